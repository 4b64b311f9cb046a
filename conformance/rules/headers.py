"""headers: a header the document says every response carries (a request id, a rate-limit header). A template: the
header names are params, and so are the statuses and methods whose answers carry them where the document says so."""

from __future__ import annotations

from .registry import IGNORE, check

PARAMS = {
    "type": "object", "required": ["headers"],
    "properties": {
        "headers": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},
                    "description": "the header names every response carries (case does not matter)"},
        "statuses": {"type": "array", "minItems": 1,
                     "items": {"oneOf": [{"type": "integer", "minimum": 100, "maximum": 599},
                                         {"type": "string", "pattern": "^[1-5]xx$"}]},
                     "description": "only the answers with these statuses (200, or a class: 2xx); every answer where none"},
        "methods": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                    "description": "only the answers to requests of these methods; every answer where none"},
    },
}


def in_scope(status: int, statuses: list[int | str] | None) -> bool:
    """Is an answer of ``status`` one the rule is about? ``statuses`` holds codes and classes (``4xx``)."""
    if not statuses:
        return True
    return any(status == s if isinstance(s, int) else str(s).lower() == f"{status // 100}xx" for s in statuses)


def _which(statuses: list[int | str] | None, methods: list[str] | None) -> str:
    """'every response', 'every 2xx response to GET', as the message says it."""
    what = " or ".join(str(s) for s in statuses) + " " if statuses else ""
    to = f" to {' or '.join(methods)}" if methods else ""
    return f"every {what}response{to}"


@check("headers.required", params=PARAMS)
def required(ctx, exchange):
    """Every answer in scope carries each header, with a value that is not blank."""
    response = exchange.response
    method = exchange.request.method.upper()
    methods = [m.upper() for m in ctx.params.get("methods", [])]
    statuses = ctx.params.get("statuses")
    if (methods and method not in methods) or not in_scope(response.status, statuses):
        return IGNORE
    missing = [name for name in ctx.params["headers"] if not (response.header(name) or "").strip()]
    if not missing:
        return None
    lacks = f"no {missing[0]} header" if len(missing) == 1 else f"none of the headers {', '.join(missing)}"
    return (f"A {response.status} answer to {method} has {lacks}; the document says "
            f"{_which(statuses, methods or None)} carries {'it' if len(missing) == 1 else 'them'}.")
