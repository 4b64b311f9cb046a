"""Errors the user can act on. Each message is one plain sentence: what is wrong, how to fix it.

    ConformanceError
    ├── UsageError     an option is missing, malformed or conflicting
    ├── SpecError      the OpenAPI description cannot be read or used
    ├── CatalogError   a rule catalog is malformed (names the file, the rule and the field)
    └── TargetError    the API under test cannot be reached
"""


class ConformanceError(Exception):
    """Base class: the message is meant for the user, never a traceback."""


class UsageError(ConformanceError):
    pass


class SpecError(ConformanceError):
    pass


class CatalogError(ConformanceError):
    pass


class TargetError(ConformanceError):
    pass
