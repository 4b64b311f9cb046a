"""methods: 405 with Allow for a method the path does not declare, HEAD beside GET, and the
stateful promises of POST, PUT, PATCH and DELETE."""

from __future__ import annotations

from ..models import Skip, Violation
from . import check, status_schema

VOLATILE_HEADERS = {"date", "content-length", "transfer-encoding", "connection", "keep-alive", "server",
                    "x-request-id", "set-cookie", "age", "etag", "last-modified", "access-control-allow-origin", "vary"}


@check("methods.not-allowed", probes=["wrong-method"], only_probes=["wrong-method"])
def not_allowed(ctx, exchange):
    got = exchange.response.status
    method = exchange.request.method
    if got != 405:
        return f"{method} is not declared for {ctx.operation.path}; expected 405, got {got}."
    allow = ", ".join(exchange.response.headers.get("allow", []))
    if not allow:
        return f"405 for {method} {ctx.operation.path} without an Allow header (HTTP requires one)."
    allowed = {m.strip().upper() for m in allow.split(",")}
    missing = [m for m in ctx.operation.declared_methods if m not in allowed]
    if missing:
        return f"Allow is '{allow}' but the spec declares {', '.join(missing)} for {ctx.operation.path}."
    return None


@check("methods.head", kind="operation", probes=["head"])
def head(ctx):
    pairs = ctx.probe("head")
    get = next((e for e in pairs if e.request.method == "GET"), None)
    head = next((e for e in pairs if e.request.method == "HEAD"), None)
    if get is None or head is None:
        raise Skip("the HEAD probe sent no request")
    for exchange in (get, head):
        if exchange.response is None:
            yield f"No response to {exchange.request.method}: {exchange.error}."
            return
    if head.response.status in (405, 501) and "HEAD" not in ctx.operation.declared_methods:
        raise Skip(f"HEAD is not offered here (answered {head.response.status}); the document allows that")
    if head.response.status != get.response.status:
        yield f"HEAD answered {head.response.status} where GET answered {get.response.status}."
    if head.response.body:
        yield f"HEAD returned a body of {len(head.response.body)} bytes; it must have none."
    get_type, head_type = get.response.header("content-type"), head.response.header("content-type")
    if get_type != head_type:
        yield f"HEAD has Content-Type {head_type!r} where GET has {get_type!r}."
    missing = sorted(set(get.response.headers) - set(head.response.headers) - VOLATILE_HEADERS)
    if missing:
        yield f"HEAD lacks headers that GET sends: {', '.join(missing)}."


# -- the stateful promises: the "crud" and "create" probes of sequences.py ------------------------------
def _step(ctx, probe: str, step: str):
    return next((e for e in ctx.probe(probe) if e.meta.get("step") == step), None)


def _resource(exchange):
    from ..sequences import resource_of

    body = exchange.response.json_or_none() if exchange.response is not None else None
    resource = resource_of(body)
    return resource if isinstance(resource, dict) else None


def _got(exchange) -> str:
    return str(exchange.response.status) if exchange.response is not None else f"no answer ({exchange.error})"


def _ok(exchange) -> bool:
    return exchange is not None and exchange.response is not None and 200 <= exchange.response.status < 300


def _need(exchange, what: str):
    if exchange is None:
        raise Skip(f"the sequence did not get as far as {what}")
    return exchange


@check("methods.put-replaces", kind="operation", probes=["crud"])
def put_replaces(ctx):
    put = _need(_step(ctx, "crud", "put"), "the PUT")
    field = put.meta["left_out"]
    if not _ok(put):
        raise Skip(f"PUT with only the required fields (leaving out '{field}') answered {_got(put)}: "
                   "cannot tell whether it replaces")
    after = _need(_step(ctx, "crud", "after"), "reading the resource after the PUT")
    resource = _resource(after)
    if after.response is None or after.response.status != 200 or resource is None:
        raise Skip(f"GET after the PUT answered {_got(after)}: nothing to compare")
    if resource.get(field) is not None:
        yield Violation(f"PUT without '{field}' kept it: GET after the PUT shows {field}={resource[field]!r}; "
                        f"expected it absent or null (a PUT replaces the whole resource).", after)


@check("methods.patch-partial", kind="operation", probes=["crud"])
def patch_partial(ctx):
    from ..sequences import is_volatile

    patch = _need(_step(ctx, "crud", "patch"), "the PATCH")
    field = patch.meta["patched"]
    if not _ok(patch):
        raise Skip(f"PATCH of only '{field}' with a valid value answered {_got(patch)}: cannot judge it")
    before, after = _step(ctx, "crud", "before"), _need(_step(ctx, "crud", "after"), "reading the resource back")
    old, new = _resource(before), _resource(after)
    if old is None or new is None or after.response.status != 200:
        raise Skip(f"GET after the PATCH answered {_got(after)}: nothing to compare")
    if new.get(field) == old.get(field):
        yield Violation(f"PATCH {field}={patch.meta['value']!r} did not change it: GET after the PATCH still shows "
                        f"{field}={new.get(field)!r}.", after)
    for name in sorted(set(old) | set(new)):
        if name == field or is_volatile(name):
            continue
        if name not in new:
            yield Violation(f"PATCH of only '{field}' removed '{name}' (was {old[name]!r}); expected it unchanged.",
                            after)
        elif name not in old:
            yield Violation(f"PATCH of only '{field}' added '{name}'={new[name]!r}; expected the other fields "
                            "unchanged.", after)
        elif old[name] != new[name]:
            yield Violation(f"PATCH of only '{field}' changed '{name}' from {old[name]!r} to {new[name]!r}; "
                            "expected it unchanged.", after)


@check("methods.delete-removes", kind="operation", probes=["crud"], params=status_schema())
def delete_removes(ctx):
    delete = _need(_step(ctx, "crud", "delete"), "the DELETE")
    if not _ok(delete):
        raise Skip(f"DELETE of a resource the suite created answered {_got(delete)}: nothing was deleted")
    after = _need(_step(ctx, "crud", "after"), "reading the resource after the DELETE")
    expected = ctx.params.get("status", 404)
    if after.response is None or after.response.status != expected:
        yield Violation(f"After DELETE answered {_got(delete)}, GET of the same resource answered {_got(after)}; "
                        f"expected {expected}.", after)


@check("methods.create-status", kind="operation", probes=["create"], params=status_schema())
def create_status(ctx):
    created = _need(_step(ctx, "create", "create"), "the POST")
    expected = ctx.params.get("status", 201)
    if not _ok(created) and not (created.response is not None and created.response.status == expected):
        raise Skip(f"POST with a valid body answered {_got(created)}: nothing was created, so the status of a "
                   "creation cannot be judged")
    violations = []
    if created.response.status != expected:
        violations.append(Violation(f"POST with a valid body answered {_got(created)}; expected {expected} "
                                    "(the resource has been created).", created))
    read = _step(ctx, "create", "read-back")
    if read is not None and (read.response is None or read.response.status != 200):
        violations.append(Violation(f"The created resource cannot be read back: GET {read.request.url} answered "
                                    f"{_got(read)}; expected 200.", read))
    if read is None and _ok(created) and not violations:
        from ..sequences import created_id

        if created_id(created, None) is None:
            raise Skip("the POST answered with neither an id in the body nor a Location header: the created "
                       "resource cannot be read back to confirm it")
    yield from violations
