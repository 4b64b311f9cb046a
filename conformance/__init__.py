"""conformance: does a live HTTP API keep the conventions it promises?

A pytest plugin. Point it at a running API and its OpenAPI description, name a
profile (a rule catalog built from a convention document), and it collects one
test item per (rule, operation), sends generated and targeted requests, and
judges every response against the catalog.

Data flows one way::

    spec + catalog -> plan of (rule, operation) -> exchanges -> verdicts -> reports
"""

from .errors import CatalogError, ConformanceError, SpecError, TargetError, UsageError

__version__ = "0.1.0"
DISTRIBUTION = "pytest-conformance"  # the name on the package index (pytest plugins are found by their pytest- name)
__all__ = ["CatalogError", "ConformanceError", "SpecError", "TargetError", "UsageError", "DISTRIBUTION", "__version__"]
