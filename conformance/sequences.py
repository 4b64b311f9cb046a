"""Stateful probes: create-read-update-delete sequences, the page walk, and the opt-in rate-limit burst.

The sequences leave the API as they found it: every resource they create they delete again (except the
one whose DELETE is under test, which the API itself should have removed). Requests to the operation
under test are its own exchanges (judged by every exchange rule too); requests to the other operations
of the sequence (the POST that creates, the GETs that read back) are sent ``foreign``.

Each exchange carries ``meta["step"]`` (create, before, put, patch, after, delete, read-back, cleanup)
so the checks in rules/methods.py find the one they judge.
"""

from __future__ import annotations

import copy
import fnmatch
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import jsonschema
from schemathesis import GenerationMode

from .models import Exchange, Request, Skip
from .probes import probe
from .rules.pagination import page_of, page_param, query_parameters
from .spec import Operation

if TYPE_CHECKING:
    from .engine import OperationRun

READ_ONLY = "--conformance-read-only is on"
VOLATILE_FIELDS = ("*_at", "*updated*", "*modified*")
MAX_PAGES = 20
NO_BODY = object()
_PEERS: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()


# -- finding the operations of a sequence ------------------------------------------------------------
def find_operation(run: "OperationRun", method: str, path: str) -> Operation | None:
    return next((op for op in run.runner.spec.operations if op.method == method and op.path == path), None)


def item_operation(run: "OperationRun", method: str, collection: str) -> Operation | None:
    """The operation ``method`` on the item path under ``collection`` (GET /users/{id} for /users)."""
    return next((op for op in run.runner.spec.operations
                 if op.method == method and op.collection_path == collection), None)


def is_volatile(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name.lower(), pattern) for pattern in VOLATILE_FIELDS)


# -- bodies ------------------------------------------------------------------------------------------
def _credential_fields(run: "OperationRun") -> set[str]:
    return {c.name for c in run.credentials.channels + run.credentials.unsupported if c.location == "body"}


def valid_for(value: Any, schema: Any) -> bool:
    """Does the value fit an OpenAPI property schema (3.0 nullable understood; formats not checked)?"""
    if not isinstance(schema, dict):
        return True
    if value is None:
        return bool(schema.get("nullable")) or schema.get("type") == "null"
    try:
        return jsonschema.Draft4Validator(schema).is_valid(value)
    except Exception:  # a schema jsonschema cannot read: trust only generated values
        return False


def _synthesised(schema: dict[str, Any]) -> list[Any]:
    if "format" in schema or "enum" in schema:
        return list(schema.get("enum", []))
    kind = schema.get("type")
    if kind == "string":
        return ["Conformance", "Conformance check", "conformance", "c"]
    if kind == "integer":
        return [1, 2, 3, 7]
    if kind == "number":
        return [1.5, 2.5, 3]
    if kind == "boolean":
        return [True, False]
    return []


def candidates(name: str, schema: dict[str, Any], generated: list[dict[str, Any]]) -> list[Any]:
    """Values that fit the property: readable made-up ones first, then those the generator produced."""
    out: list[Any] = []
    seen_values = [body.get(name) for body in generated if isinstance(body, dict) and body.get(name) is not None]
    for value in _synthesised(schema) + seen_values:
        if value is not None and value not in out and valid_for(value, schema):
            out.append(value)
    return out


def _generated_bodies(run: "OperationRun", op: Operation, count: int = 12) -> list[dict[str, Any]]:
    bodies = []
    for case in run.runner.generate(op, GenerationMode.POSITIVE, count, "crud"):
        body = getattr(case, "body", None)
        if isinstance(body, dict):
            bodies.append(body)
    return bodies


def object_schema(op: Operation) -> dict[str, Any]:
    schema = op.body_schema
    if not isinstance(schema, dict) or not (schema.get("type") == "object" or "properties" in schema):
        raise Skip(f"{op.label} takes no JSON object body: the suite cannot build one")
    return schema


def writable(schema: dict[str, Any], run: "OperationRun") -> dict[str, dict[str, Any]]:
    skip = _credential_fields(run)
    return {name: prop if isinstance(prop, dict) else {} for name, prop in (schema.get("properties") or {}).items()
            if name not in skip and not (isinstance(prop, dict) and prop.get("readOnly"))}


def _settable(name: str) -> bool:
    """An optional field the sequences may choose to set or change: not an id, not a timestamp."""
    return name.lower() not in ("id", "uuid", "_id") and not is_volatile(name)


def creation_body(run: "OperationRun", post: Operation, *, with_optional: bool) -> tuple[dict[str, Any], str | None]:
    """A valid body for the POST: its required fields and, when asked, one optional field set (not null)."""
    schema = object_schema(post)
    generated = _generated_bodies(run, post)
    properties = writable(schema, run)
    required = [n for n in schema.get("required", []) if n in properties]
    body: dict[str, Any] = {}
    for name in required:
        values = candidates(name, properties[name], generated)
        if not values:
            break
        body[name] = values[0]
    optional = None
    if with_optional:
        for name, prop in properties.items():
            if name in required or not _settable(name):
                continue
            values = candidates(name, prop, generated)
            if values:
                body[name], optional = values[0], name
                break
    if not valid_for(body, {k: v for k, v in schema.items() if k != "nullable"}) or \
            any(n not in body for n in required):
        # Fall back on what the generator produced (valid by construction), minus credential fields.
        skip = _credential_fields(run)
        fallback = next((b for b in generated if not with_optional or any(
            k not in required and k in properties and b.get(k) is not None for k in b)), None)
        fallback = fallback or (generated[0] if generated else None)
        if fallback is None:
            raise Skip(f"no valid body for {post.label} could be built from the spec")
        body = {k: copy.deepcopy(v) for k, v in fallback.items() if k not in skip}
        optional = next((k for k in body if k not in required and k in properties and body[k] is not None
                         and _settable(k)), None)
    return body, optional


# -- sending ----------------------------------------------------------------------------------------
def request_kwargs(run: "OperationRun", op: Operation, *, ident: Any = None, body: Any = NO_BODY) -> dict[str, Any]:
    """A valid, authenticated request to ``op`` (this run's operation or another), for resource ``ident``."""
    own = op.label == run.operation.label
    if own:
        other = run
    else:  # a run of the other operation, kept for the sequence: its sample request is generated once
        peers = _PEERS.setdefault(run, {})
        other = peers.get(op.label) or peers.setdefault(op.label, type(run)(run.runner, op))
    name = op.item_parameter()
    kwargs = other.base_kwargs(path_parameters={name: ident} if name and ident is not None else None)
    if not own:
        kwargs.pop("_case", None)
    if body is not NO_BODY:
        kwargs.pop("data", None)
        kwargs["json"] = copy.deepcopy(body)
    elif op.method in ("GET", "HEAD", "DELETE"):
        kwargs.pop("json", None)
        kwargs.pop("data", None)
    other.apply_credential(kwargs)
    return kwargs


def send(run: "OperationRun", op: Operation, step: str, note: str, *, ident: Any = None, body: Any = NO_BODY,
         kind: str = "crud", **meta: Any) -> Exchange:
    kwargs = request_kwargs(run, op, ident=ident, body=body)
    exchange = run.send(kwargs, kind, note, origin=False, foreign=op.label != run.operation.label)
    exchange.meta["step"] = step
    exchange.meta.update(meta)
    return exchange


def resource_of(body: Any) -> Any:
    """The resource in a body: the body itself, or its ``data`` envelope."""
    if isinstance(body, dict) and "id" not in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


def created_id(exchange: Exchange, item_param: str | None) -> Any:
    """The id of a created resource: body ``id`` (or the item parameter's name), ``data.id``, or Location."""
    response = exchange.response
    if response is None:
        return None
    resource = resource_of(response.json_or_none())
    if isinstance(resource, dict):
        for key in dict.fromkeys([item_param or "id", "id"]):
            if resource.get(key) is not None and not isinstance(resource[key], (dict, list)):
                return resource[key]
    location = response.header("location")
    if location:
        segment = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
        if segment:
            return unquote(segment)
    return None


def _forget(run: "OperationRun", collection: str, ident: Any) -> None:
    run.runner.forget_id(collection, ident)


def _status(exchange: Exchange) -> str:
    return str(exchange.response.status) if exchange.response is not None else f"no answer ({exchange.error})"


def _ok(exchange: Exchange) -> bool:
    return exchange.response is not None and 200 <= exchange.response.status < 300


class Sequence:
    """One create ... delete sequence around the operation under test."""

    def __init__(self, run: "OperationRun", collection: str, kind: str):
        if run.settings.read_only:
            raise Skip(READ_ONLY)
        self.run, self.collection, self.kind = run, collection, kind
        self.post = find_operation(run, "POST", collection)
        if self.post is None:
            raise Skip(f"there is no POST {collection} to create a resource with")
        self.get = item_operation(run, "GET", collection)
        self.delete = item_operation(run, "DELETE", collection)
        self.ident: Any = None
        self.deleted = False

    def create(self, *, with_optional: bool, step: str = "create") -> tuple[Exchange, dict[str, Any], str | None]:
        body, optional = creation_body(self.run, self.post, with_optional=with_optional)
        exchange = send(self.run, self.post, step, f"POST {self.collection}: create a resource for the sequence",
                        body=body, kind=self.kind, sent=body)
        item = (self.get or self.delete).item_parameter() if (self.get or self.delete) else None
        self.ident = created_id(exchange, item) if _ok(exchange) else None
        return exchange, body, optional

    def read(self, step: str) -> Exchange:
        if self.get is None:
            raise Skip(f"there is no GET on the item path under {self.collection} to read the resource back")
        return send(self.run, self.get, step, f"GET the resource ({step})", ident=self.ident, kind=self.kind)

    def cleanup(self) -> None:
        if self.ident is None or self.deleted or self.delete is None:
            return
        self.deleted = True
        _forget(self.run, self.collection, self.ident)
        try:
            send(self.run, self.delete, "cleanup", "DELETE the resource the sequence created", ident=self.ident,
                 kind=self.kind)
        except Skip:
            pass


def _need_created(sequence: Sequence, exchange: Exchange) -> None:
    if not _ok(exchange):
        raise Skip(f"POST {sequence.collection} with a valid body answered {_status(exchange)}: no resource to "
                   "work on")
    if sequence.ident is None:
        raise Skip(f"POST {sequence.collection} answered {_status(exchange)} but its body has no id and there is "
                   "no Location header: the resource cannot be found again")


@probe("crud")
def crud(run: "OperationRun") -> list[Exchange]:
    """Create a resource, then PUT, PATCH or DELETE it (the operation under test) and read it back."""
    op = run.operation
    method = op.method
    if method not in ("PUT", "PATCH", "DELETE") or op.collection_path is None:
        raise Skip(f"{op.label} is not a PUT, PATCH or DELETE of one resource")
    sequence = Sequence(run, op.collection_path, "crud")
    try:
        created, body, optional = sequence.create(with_optional=True)
        _need_created(sequence, created)
        if method == "DELETE":
            sequence.deleted = True
            _forget(run, sequence.collection, sequence.ident)
            delete = send(run, op, "delete", "DELETE the created resource", ident=sequence.ident)
            if _ok(delete):
                sequence.read("after")
            return []
        before = sequence.read("before")
        if method == "PUT":
            _put(run, sequence, before, body, optional)
        else:
            _patch(run, sequence, before, body)
    finally:
        sequence.cleanup()
    return []


def _put(run: "OperationRun", sequence: Sequence, before: Exchange, created: dict[str, Any], optional: str | None):
    if optional is None:
        raise Skip(f"the body of POST {sequence.collection} has no optional field to leave out of the PUT")
    resource = resource_of(before.response.json_or_none()) if before.response is not None else None
    if not isinstance(resource, dict) or before.response.status != 200:
        raise Skip(f"GET of the created resource answered {_status(before)}: nothing to compare")
    if resource.get(optional) is None:
        raise Skip(f"the resource was created with '{optional}' set but GET shows it "
                   f"{'null' if optional in resource else 'absent'}: leaving it out of the PUT tells nothing")
    schema = object_schema(run.operation)
    properties = writable(schema, run)
    required = [n for n in schema.get("required", []) if n in properties]
    if optional in required:
        raise Skip(f"the PUT requires '{optional}': no optional field can be left out")
    generated = None
    body: dict[str, Any] = {}
    for name in required:
        if name in created:
            body[name] = copy.deepcopy(created[name])
            continue
        generated = generated if generated is not None else _generated_bodies(run, run.operation)
        values = candidates(name, properties[name], generated)
        if not values:
            raise Skip(f"no valid value for the PUT's required field '{name}' could be built")
        body[name] = values[0]
    send(run, run.operation, "put", f"PUT with only the required fields, leaving out '{optional}'",
         ident=sequence.ident, body=body, left_out=optional)
    sequence.read("after")


def _patch(run: "OperationRun", sequence: Sequence, before: Exchange, created: dict[str, Any]):
    resource = resource_of(before.response.json_or_none()) if before.response is not None else None
    if not isinstance(resource, dict) or before.response.status != 200:
        raise Skip(f"GET of the created resource answered {_status(before)}: nothing to compare")
    schema = object_schema(run.operation)
    properties = writable(schema, run)
    generated = None
    for name, prop in properties.items():
        if not _settable(name):
            continue
        # New means new both as shown and as sent (an API may present a field differently from how it takes it).
        old = {repr(resource.get(name)), repr(created.get(name))}
        values = [v for v in candidates(name, prop, []) if repr(v) not in old]
        if not values:
            generated = generated if generated is not None else _generated_bodies(run, run.operation, 20)
            values = [v for v in candidates(name, prop, generated) if repr(v) not in old]
        if values:
            body = {name: values[0]}
            send(run, run.operation, "patch", f"PATCH only '{name}'", ident=sequence.ident, body=body,
                 patched=name, value=values[0])
            sequence.read("after")
            return
    raise Skip("no field of the PATCH body could be given a new valid value")


@probe("create")
def create(run: "OperationRun") -> list[Exchange]:
    """POST a valid body (the operation under test), read the resource back, and delete it again."""
    op = run.operation
    if op.method != "POST":
        raise Skip(f"{op.label} is not a POST")
    sequence = Sequence(run, op.path, "create")
    try:
        created, _, _ = sequence.create(with_optional=False)
        if _ok(created) and sequence.ident is not None and sequence.get is not None:
            sequence.read("read-back")
    finally:
        sequence.cleanup()
    return []


# -- the page walk ----------------------------------------------------------------------------------
def _page_kwargs(run: "OperationRun", name: str, page: int) -> dict[str, Any]:
    kwargs = run.base_kwargs()
    required = {n for n, p in query_parameters(run.operation).items() if p.get("required")}
    params = {k: v for k, v in (kwargs.get("params") or {}).items() if k in required and k != name}
    params[name] = page
    kwargs["params"] = params
    kwargs.pop("json", None)
    kwargs.pop("data", None)
    run.apply_credential(kwargs)
    return kwargs


@probe("page-walk")
def page_walk(run: "OperationRun") -> list[Exchange]:
    """From page 1 along next_page_url (at most MAX_PAGES pages), then one page past the last."""
    rules = run.rules_using("page-walk")
    name = page_param(rules[0].params if rules else {})
    out: list[Exchange] = []
    visited: set[int] = set()
    page = 1

    def fetch(number: int, role: str, past_last: bool = False) -> Exchange:
        exchange = run.send(_page_kwargs(run, name, number), "page-walk",
                            f"page {number}" + (" (past the last page)" if past_last else ""), origin=False)
        exchange.meta["walk"] = {"page": number, "role": role, "past_last": past_last}
        out.append(exchange)
        return exchange

    while True:
        visited.add(page)
        exchange = fetch(page, "page")
        response = exchange.response
        body = response.json_or_none() if response is not None else None
        if response is None or response.status != 200 or not isinstance(body, dict):
            exchange.meta["walk_end"] = f"page {page} answered {_status(exchange)}"
            return out
        data = body.get("data")
        if isinstance(data, list) and not data and page > 1:
            exchange.meta["walk"]["past_last"] = True  # reached along next_page_url: already past the last
            exchange.meta["walk_end"] = f"page {page} is empty"
            return out
        nxt = body.get("next_page_url")
        if nxt is None:
            exchange.meta["walk_end"] = f"page {page} is the last page"
            fetch(page + 1, "past-last", past_last=True)
            return out
        target = page_of(nxt, name)
        if target is None or target in visited:
            exchange.meta["walk_end"] = (f"the walk stopped at page {page}: its next_page_url "
                                         f"{'has no page number' if target is None else 'points back to page ' + str(target)}")
            return out
        if len(visited) >= MAX_PAGES:
            exchange.meta["walk_end"] = f"the walk stopped early, after {MAX_PAGES} pages"
            return out
        page = target


# -- the rate-limit burst ---------------------------------------------------------------------------
def rate_limit_target(run: "OperationRun") -> Operation | None:
    gets = [op for op in run.runner.spec.operations if op.method == "GET"
            and any("rate-limit" in check.probes for _, check in run.runner.active(op))]
    return min(gets, key=lambda op: op.path) if gets else None


@probe("rate-limit")
def rate_limit(run: "OperationRun") -> list[Exchange]:
    """Up to N quick GETs (--conformance-rate-limit-probe=N), stopping at the first 429. Once per run: on
    the first GET operation by path that a rule asks it for. A 429 is kept as it came (no waiting, no retry)."""
    limit = run.settings.rate_limit_probe
    if not limit:
        raise Skip("the rate-limit probe is off (opt in with --conformance-rate-limit-probe=N)")
    target = rate_limit_target(run)
    if target is None or target.label != run.operation.label:
        raise Skip(f"the rate-limit probe runs once per run, on {target.label if target else 'a GET operation'}")
    out = []
    for number in range(1, limit + 1):
        kwargs = run.authenticated_kwargs()
        case = kwargs.pop("_case", None)
        headers = {**run.runner.catalog.request_headers, **(kwargs.pop("headers", None) or {})}
        import requests as _requests

        prepared = _requests.Request(kwargs["method"].upper(), kwargs["url"], headers=headers,
                                     params=kwargs.get("params")).prepare()
        request = Request(prepared.method, prepared.url, dict(prepared.headers), None)
        exchange = run.runner.transport.send(request, kind="rate-limit", note=f"quick request {number} of up to {limit}",
                                             case=case, meta={"foreign": False}, retry_429=False)
        run.exchanges.append(exchange)
        out.append(exchange)
        if exchange.response is not None and exchange.response.status == 429:
            break
    return out
