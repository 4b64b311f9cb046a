"""The checks that implement catalog rules, registered by name, one module per category.

A check is one of three kinds:

* ``exchange``: judges every exchange it is given (generated requests and probes alike), one at
  a time; returns a message for a violation, ``None`` for a pass, or ``IGNORE`` when the
  exchange says nothing about the rule. A check that ignored every exchange is *skipped*, never
  passed.
* ``operation``: judges the exchanges of the probes it asked for, all at once (a page walk, a
  create-update-read sequence); yields violations and raises ``Skip`` when it could not judge.
* ``static``: judges the OpenAPI description alone, before any request.
"""

from __future__ import annotations

from .registry import CHECKS, IGNORE, Check, check, refused, status_schema
from . import (auth, conditional, content_type, cors, dates, errors, headers, methods, naming,  # noqa: F401,E402
               pagination, ranges, rate_limit, schema)  # (importing them registers them)

__all__ = ["CHECKS", "Check", "IGNORE", "check", "refused", "status_schema"]
