"""methods: 405 with Allow for a method the path does not declare, HEAD beside GET, and the
stateful promises of POST, PUT, PATCH and DELETE."""

from __future__ import annotations

from ..models import Skip
from . import check

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


def _pending(ctx):
    raise Skip("this check is not implemented yet")


for _name in ("methods.create-status", "methods.put-replaces", "methods.patch-partial", "methods.delete-removes"):
    check(_name, kind="operation")(_pending)
