"""pagination: a bounded walk along next_page_url (the "page-walk" probe in sequences.py), checked page
by page. An operation is paginated when it is a GET with the page query parameter (rule param
``page_param``, default "page"); every other operation is not applicable.

The helpers below are pure functions of a page body and the page asked for; they never raise, whatever
the API sends, so a broken page becomes a message and never a crash.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..models import Exchange, Skip, Violation
from ..paging import page_of, page_param, query_parameters, url_path, without_query
from .registry import check

# 004, "Paginated responses": the example page, field by field.
DEFAULT_FIELDS: dict[str, list[str]] = {
    "current_page": ["integer"], "data": ["array"], "first_page_url": ["string"], "from": ["integer", "null"],
    "next_page_url": ["string", "null"], "path": ["string"], "per_page": ["integer"],
    "prev_page_url": ["string", "null"], "to": ["integer", "null"],
}
TYPE_NAMES = ("integer", "number", "string", "array", "object", "boolean", "null")

PARAMS_SCHEMA = {
    "type": "object",
    "properties": {
        "page_param": {"type": "string", "minLength": 1},
        "fields": {"type": "object", "additionalProperties": {
            "oneOf": [{"enum": list(TYPE_NAMES)}, {"type": "array", "items": {"enum": list(TYPE_NAMES)}, "minItems": 1}]}},
    },
}


# -- pure helpers ---------------------------------------------------------------------------------
def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def normalise_fields(fields: Any) -> dict[str, list[str]]:
    if not isinstance(fields, dict):
        return dict(DEFAULT_FIELDS)
    return {str(k): ([v] if isinstance(v, str) else [str(t) for t in v] if isinstance(v, list) else [])
            for k, v in fields.items()}


def field_problems(body: Any, page: Any, fields: Any = None) -> list[str]:
    """Missing fields and fields of the wrong type on one page."""
    spec = normalise_fields(fields if fields is not None else DEFAULT_FIELDS)
    if not isinstance(body, dict):
        return [f"page {page}: the body is {json_type(body)}, not an object with the pagination fields"]
    problems = []
    for name, types in spec.items():
        if name not in body:
            problems.append(f"page {page}: the field '{name}' is missing; expected {' or '.join(types)}")
            continue
        got = json_type(body[name])
        if got in types or (got == "integer" and "number" in types):
            continue
        problems.append(f"page {page}: '{name}' is {got} ({_short(body[name])}); expected {' or '.join(types)}")
    return problems


def arithmetic_problems(body: Any, page: Any) -> list[str]:
    """current_page is the page asked for; data holds at most per_page items; from and to count them."""
    if not isinstance(body, dict):
        return []
    problems = []
    current, per_page, data = body.get("current_page"), body.get("per_page"), body.get("data")
    first, last = body.get("from"), body.get("to")
    if _is_int(current) and current != page:
        problems.append(f"page {page}: current_page is {current}; expected {page} (the page asked for)")
    if not isinstance(data, list):
        return problems  # pagination.fields reports it
    count = len(data)
    if _is_int(per_page) and count > per_page:
        problems.append(f"page {page}: data holds {count} items but per_page is {per_page}")
    if count == 0:
        for name, value in (("from", first), ("to", last)):
            if name in body and value is not None:
                problems.append(f"page {page}: '{name}' is {_short(value)} on an empty page; expected null")
        return problems
    placed = _is_int(page) and _is_int(per_page) and per_page > 0 and page >= 1  # where the page starts is known
    expected_from = (page - 1) * per_page + 1 if placed else None
    if placed:
        if "from" in body and first != expected_from and (first is None or _is_int(first)):
            problems.append(f"page {page}: 'from' is {_short(first)}; expected {expected_from} "
                            f"((page {page} - 1) x per_page {per_page} + 1)")
    if "to" in body and (last is None or _is_int(last)):
        # 'to' counts the items after where the page starts: judged from 'from' where 'from' is right (or where
        # the page's start is not known), else from the page's start, so a right 'to' beside a wrong 'from' is
        # no finding
        if _is_int(first) and (not placed or first == expected_from):
            expected_to = first + count - 1
            how = f"from {first} + {count} items - 1"
        elif placed:
            expected_to = (page - 1) * per_page + count
            how = f"{count} items after {(page - 1) * per_page}"
        else:
            return problems
        if last != expected_to:
            problems.append(f"page {page}: 'to' is {_short(last)}; expected {expected_to} ({how})")
    return problems


def no_such_page(status: Any) -> bool:
    """An answer that says a page does not exist (404, 410, a 400 or 422 refusing the number), not that the client
    may not see it (401, 403) or should wait (429)."""
    return _is_int(status) and 400 <= status < 500 and status not in (401, 403, 407, 408, 429)


def link_problems(body: Any, page: Any, requested_url: Any, page_param: str = "page", *,
                  next_is_empty: bool | None = None, past_last: bool = False,
                  next_status: int | None = None) -> list[str]:
    """first_page_url, prev_page_url, next_page_url and path point where they say.

    ``next_is_empty``: whether the page after this one was seen to be empty (True), to hold items (False),
    or is unknown (None); ``past_last``: this page is past the last page; ``next_status``: the status the page
    after this one answered, where it was asked for."""
    if not isinstance(body, dict):
        return []
    problems = []
    path = body.get("path")
    base = without_query(path) if isinstance(path, str) else None
    if isinstance(path, str):
        requested = url_path(requested_url)
        if base != path:
            problems.append(f"page {page}: path is {_short(path)}; expected the URL without its query ({_short(base)})")
        elif requested is not None and url_path(path) != requested:
            problems.append(f"page {page}: path is {_short(path)}; expected the URL without its query "
                            f"(ending in {requested})")

    def points(name: str, expected_page: int) -> None:
        value = body.get(name)
        if not isinstance(value, str):
            return
        got = page_of(value, page_param)
        if got != expected_page:
            where = f"page {got}" if got is not None else f"no '{page_param}' parameter"
            problems.append(f"page {page}: {name} is {_short(value)}, which points at {where}; "
                            f"expected page {expected_page}")
        elif base is not None and without_query(value) != base:
            problems.append(f"page {page}: {name} is {_short(value)}; expected it to start with path {_short(base)}")

    points("first_page_url", 1)
    if _is_int(page):
        prev = body.get("prev_page_url", None)
        if page == 1:
            if "prev_page_url" in body and prev is not None:
                problems.append(f"page 1: prev_page_url is {_short(prev)}; expected null on the first page")
        elif page > 1:
            if "prev_page_url" in body and prev is None:
                problems.append(f"page {page}: prev_page_url is null; expected a link to page {page - 1}")
            points("prev_page_url", page - 1)
        nxt = body.get("next_page_url", None)
        if "next_page_url" in body:
            if nxt is None:
                if next_is_empty is False:
                    problems.append(f"page {page}: next_page_url is null, but page {page + 1} has items; expected "
                                    f"a link to page {page + 1} (null only on the last page)")
            elif past_last or next_is_empty is True:
                problems.append(f"page {page}: next_page_url is {_short(nxt)}, but page {page} is "
                                f"{'past the last page' if past_last else 'the last page'} (page {page + 1} is "
                                f"empty); expected null")
            elif no_such_page(next_status) and page_of(nxt, page_param) == page + 1:
                # the page it links to does not exist: this is the last page (a page past the last may be a 404)
                problems.append(f"page {page}: next_page_url is {_short(nxt)}, which points at page {page + 1}, "
                                f"past the last page (page {page + 1} answered {next_status}); expected null")
            else:
                points("next_page_url", page + 1)
    return problems


def item_key(item: Any) -> str:
    """What identifies an item: its id, or the whole item when it has none."""
    if isinstance(item, dict) and item.get("id") is not None:
        return f"id {_short(item['id'])}"
    try:
        return "item " + json.dumps(item, sort_keys=True, default=str)[:80]
    except (TypeError, ValueError):
        return "item " + repr(item)[:80]


def duplicate_problems(pages: Iterable[tuple[Any, Any]]) -> list[tuple[Any, str]]:
    """Items seen twice across pages: ``pages`` is (page number, data) in walk order; returns
    (page, message) for each repeat."""
    seen: dict[str, Any] = {}
    problems = []
    for page, data in pages:
        if not isinstance(data, list):
            continue
        for item in data:
            key = item_key(item)
            if key in seen:
                where = "earlier on the same page" if seen[key] == page else f"on page {seen[key]}"
                problems.append((page, f"page {page}: {key} was already listed {where}"))
            else:
                seen[key] = page
    return problems


# -- applicability ---------------------------------------------------------------------------------
def paginated(ctx) -> str | None:
    if ctx.operation.method != "GET":
        return "only a GET returns pages"
    name = page_param(ctx.params)
    if name not in query_parameters(ctx.operation):
        return f"the operation has no '{name}' query parameter: it is not paginated"
    return None


# -- the walk, as the probe left it ----------------------------------------------------------------
def _walk(ctx) -> tuple[list[tuple[int, Exchange, Any]], Exchange | None, str]:
    """(walked pages as (page, exchange, body) for 200 JSON answers, the past-last exchange, how the walk ended)."""
    walk = ctx.result("page-walk")
    if not walk.steps:
        raise Skip("the page walk sent no request")
    pages = [(step.page, step.exchange, step.body) for step in walk.steps
             if step.role == "page" and step.body is not None]
    past = walk.past.exchange if walk.past is not None else None
    if not pages:
        first = walk.steps[0].exchange
        if first.unreached:
            raise Skip(f"page 1 answered {first.response.status}: the list was never reached")
        raise Skip(f"page 1 {'answered ' + str(first.response.status) if first.response is not None else 'failed (' + str(first.error) + ')'} "
                   "with no JSON page: nothing to judge")
    return pages, past, walk.end


def _objects(pages, why: str, needs: tuple[str, ...] = ()):
    """The walked pages whose body is an object with at least one of ``needs``; Skip when there is none."""
    kept = [(page, exchange, body) for page, exchange, body in pages
            if isinstance(body, dict) and (not needs or any(name in body for name in needs))]
    if not kept:
        raise Skip(f"no page is an object with {why} (pagination.fields says what is missing)")
    return kept


def _params_fields(ctx) -> dict[str, list[str]]:
    return normalise_fields(ctx.params.get("fields", DEFAULT_FIELDS))


@check("pagination.fields", kind="operation", probes=["page-walk"], applies=paginated, params=PARAMS_SCHEMA,
       needs_credential=True)
def fields(ctx):
    pages, _, _ = _walk(ctx)
    for page, exchange, body in pages:
        for problem in field_problems(body, page, _params_fields(ctx)):
            yield Violation(problem, exchange)


@check("pagination.page-arithmetic", kind="operation", probes=["page-walk"], applies=paginated, params=PARAMS_SCHEMA,
       needs_credential=True)
def page_arithmetic(ctx):
    pages, _, _ = _walk(ctx)
    pages = [(page, exchange, body) for page, exchange, body in _objects(pages, "a data array", ("data",))
             if isinstance(body.get("data"), list)] or _objects([], "a data array")
    for page, exchange, body in pages:
        for problem in arithmetic_problems(body, page):
            yield Violation(problem, exchange)


def _is_empty_page(exchange: Exchange | None) -> bool | None:
    if exchange is None or exchange.response is None or exchange.response.status != 200:
        return None
    body = exchange.response.json_or_none()
    data = body.get("data") if isinstance(body, dict) else None
    return None if not isinstance(data, list) else not data


@check("pagination.links", kind="operation", probes=["page-walk"], applies=paginated, params=PARAMS_SCHEMA,
       needs_credential=True)
def links(ctx):
    pages, past, _ = _walk(ctx)
    pages = _objects(pages, "links", ("first_page_url", "prev_page_url", "next_page_url", "path"))
    name = page_param(ctx.params)
    by_page = {page: exchange for page, exchange, _ in pages}
    past_page = ctx.result("page-walk").past.page if past is not None else None
    if past is not None and past_page is not None:
        by_page.setdefault(past_page, past)
    # what each page the walk asked for answered, JSON or not: a page that does not exist may be a 404
    answered = {step.page: step.exchange.response.status for step in ctx.result("page-walk").steps
                if step.exchange.response is not None}
    for page, exchange, body in pages:
        after = by_page.get(page + 1)
        is_past = past is exchange
        for problem in link_problems(body, page, exchange.request.url, name, next_is_empty=_is_empty_page(after),
                                     past_last=is_past, next_status=answered.get(page + 1)):
            yield Violation(problem, exchange)


@check("pagination.no-duplicates", kind="operation", probes=["page-walk"], applies=paginated, params=PARAMS_SCHEMA,
       needs_credential=True)
def no_duplicates(ctx):
    pages, _, end = _walk(ctx)
    pages = _objects(pages, "a data array", ("data",))
    walked = [(page, body.get("data")) for page, _, body in pages
              if isinstance(body, dict) and isinstance(body.get("data"), list) and body.get("data")]
    problems = duplicate_problems(walked)
    if not problems and len(walked) < 2:
        raise Skip(f"the walk saw {len(walked)} page(s) with items: there is no second page to compare"
                   + (f" ({end})" if end else ""))
    exchange_of = {page: exchange for page, exchange, _ in pages}
    for page, problem in problems:
        yield Violation(problem, exchange_of.get(page))


@check("pagination.past-last-page", kind="operation", probes=["page-walk"], applies=paginated, params=PARAMS_SCHEMA,
       needs_credential=True)
def past_last_page(ctx):
    _, past, end = _walk(ctx)
    if past is None:
        raise Skip(f"the walk did not reach the last page{': ' + end if end else ''}")
    page = ctx.result("page-walk").past.page
    last = page - 1 if isinstance(page, int) else "?"
    response = past.response
    if response is None:
        yield Violation(f"page {page} (past the last page, {last}): no response ({past.error})", past)
        return
    if response.status != 200:
        yield Violation(f"page {page} (past the last page, {last}) answered {response.status}; expected 200 "
                        "with empty data, not an error", past)
        return
    body = response.json_or_none()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        yield Violation(f"page {page} (past the last page, {last}): the body has no data array; expected "
                        "an empty one", past)
    elif data:
        yield Violation(f"page {page} (past the last page, {last}) holds {len(data)} item(s); expected "
                        "empty data", past)
