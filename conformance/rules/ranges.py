"""pagination.range: a list paged by Range headers, as Heroku's Platform API pages it. The client asks with
``Range: id ..; max=2``; the API answers 200 (the whole rest of the list) or 206 (a part of it) with a
``Content-Range`` saying which part, and, where more remains, a ``Next-Range`` the client sends as its next Range
(the "range-walk" probe in probes.py). The header names, the unit (the field ranges run over), the page size asked
for and the statuses are params.

Only a list operation is judged: a GET of a collection path whose documented answer is an array (or which documents
none), and at run time only an answer whose body is a list of items.
"""

from __future__ import annotations

from typing import Any

from ..models import Skip, Violation
from ..resources import items_of
from ..spec import resolve
from .pagination import item_key
from .registry import check

PARAMS = {"type": "object", "properties": {
    "unit": {"type": "string", "minLength": 1, "description": "the field ranges run over (Range: <unit> ..; max=N)"},
    "max": {"type": "integer", "minimum": 1, "description": "the page size the walk asks for (default 2)"},
    "range_header": {"type": "string", "minLength": 1},
    "content_range_header": {"type": "string", "minLength": 1},
    "next_range_header": {"type": "string", "minLength": 1},
    "statuses": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 200, "maximum": 299}}}}


def _documented_list(operation: Any) -> bool | None:
    """Is the operation's documented 2xx JSON answer an array (True), something else (False), or undocumented (None)?"""
    found: bool | None = None
    for status, response in (operation.definition.get("responses") or {}).items():
        if not str(status).startswith("2") or not isinstance(response, dict):
            continue
        response = resolve(response, operation.root)
        schemas = [c.get("schema") for m, c in (response.get("content") or {}).items() if "json" in m and isinstance(c, dict)]
        schemas.append(response.get("schema"))
        for schema in schemas:
            schema = resolve(schema, operation.root) if isinstance(schema, dict) else None
            if isinstance(schema, dict) and schema:
                if schema.get("type") == "array" or "items" in schema:
                    return True
                found = False
    return found


def a_list(ctx) -> str | None:
    operation = ctx.operation
    if operation.method != "GET":
        return "only a GET returns a list"
    if operation.path.rstrip("/").endswith("}"):
        return "the path names one resource, not a list"
    if _documented_list(operation) is False:
        return "its documented answer is not an array: it is not a list operation"
    if operation.serves_the_description(getattr(ctx.settings, "spec", None) or "", ctx.settings.url):
        return "the operation serves the API description itself, not a list"
    return None


def _items(exchange) -> list[Any] | None:
    body = exchange.response.json_or_none()
    if isinstance(body, list):
        return body
    items = items_of(body)
    return items if items or (isinstance(body, dict) and any(isinstance(v, list) for v in body.values())) else None


@check("pagination.range", kind="operation", probes=["range-walk"], applies=a_list, params=PARAMS, needs_credential=True)
def range_pages(ctx):
    walk = ctx.result("range-walk")
    if not walk.pages:
        raise Skip("the Range walk sent no request")
    params = ctx.params
    request_header = params.get("range_header", "Range")
    content_range = params.get("content_range_header", "Content-Range")
    next_range = params.get("next_range_header", "Next-Range")
    unit, size, statuses = params.get("unit", "id"), params.get("max", 2), params.get("statuses", [200, 206])
    first = walk.pages[0][1]
    if first.response is None or first.unreached or first.response.status in (401, 403, 429):
        raise Skip(f"the first Range request answered {first.status_text}: the list was never reached")
    listed = []
    for sent, exchange in walk.pages:
        response = exchange.response
        asked = f"GET {ctx.shown_url(exchange.request.url)} with {request_header}: {sent}"
        if response is None:
            yield Violation(f"{asked} got no answer ({exchange.error}).", exchange)
            return
        if response.status not in statuses:
            yield Violation(f"{asked} was answered {response.status}; expected {' or '.join(map(str, statuses))}.",
                            exchange)
            return
        items = _items(exchange)
        if items is None:
            raise Skip(f"{asked} was answered with a body that is not a list of items: not a list operation")
        if not items and exchange is first:
            raise Skip("the list is empty: there is nothing to page through")
        value = (response.header(content_range) or "").strip()
        if not value:
            yield Violation(f"{asked} was answered {response.status} without a {content_range} header; the document "
                            f"says a list answers with the range it holds.", exchange)
        elif value.split(" ", 1)[0].split("=", 1)[0].lower() != unit.lower():
            yield Violation(f"{asked} was answered with {content_range}: {value}; expected a range of {unit}.", exchange)
        if len(items) > size:
            yield Violation(f"{asked} was answered with {len(items)} items; expected at most {size}.", exchange)
        if response.status == 206 and not (response.header(next_range) or "").strip():
            yield Violation(f"{asked} was answered 206 Partial Content without a {next_range} header, so the client "
                            "cannot ask for the rest.", exchange)
        listed.append((sent, items, exchange))
    seen: dict[str, str] = {}
    for sent, items, exchange in listed:
        for item in items:
            key = item_key(item)
            if seen.setdefault(key, sent) != sent:
                yield Violation(f"The page asked with {request_header}: {sent} lists {key} again (the page asked with "
                                f"{request_header}: {seen[key]} listed it); each item is on one page.", exchange)
