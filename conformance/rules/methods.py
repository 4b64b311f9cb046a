"""methods: 405 for a method the path does not declare, Allow on every 405, HEAD beside GET, and the
stateful promises of POST, PUT, PATCH and DELETE."""

from __future__ import annotations

from ..bodies import is_volatile
from ..models import UNKNOWN, Skip, Violation
from ..resources import acts_on_its_parent, resource_of
from .registry import check, status_schema

VOLATILE_HEADERS = {"date", "content-length", "transfer-encoding", "connection", "keep-alive", "server",
                    "x-request-id", "set-cookie", "age", "etag", "last-modified", "access-control-allow-origin", "vary"}


@check("methods.not-allowed", probes=["wrong-method"], only_probes=["wrong-method"], needs_credential=True)
def not_allowed(ctx, exchange):
    """The status alone: what the 405 says in Allow is methods.allow-header's (one fact, one finding)."""
    got = exchange.response.status
    method = exchange.request.method
    if got == 404 and not ctx.path_reached:
        raise Skip(f"{method} answered 404, and no valid request to {ctx.operation.path} ever got a 2xx: the path "
                   "itself was never reached")
    unknown = [name for name, value in exchange.values.items() if value.source == UNKNOWN]
    if got in (404, 410) and unknown:
        raise Skip(f"{method} went to an id that does not exist ({', '.join(unknown)}: the suite could create none "
                   f"to aim it at) and answered {got}: that is the answer for what does not exist, whatever the method")
    if got != 405:
        return f"{method} is not declared for {ctx.operation.path}; expected 405, got {got}."
    return None


def _allow(exchange) -> str:
    return ", ".join(v.strip() for v in exchange.response.headers.get("allow", []) if v.strip())


@check("methods.allow-header", kind="operation")
def allow_header(ctx):
    """RFC 9110 15.5.6: every 405 the run saw for this operation (a generated request, a probe's wrong method or its
    HEAD) carries Allow, "containing a list of the target resource's currently supported methods": so it lists
    every method this run saw succeed (a 2xx) on the same path. Passive: it sends nothing of its own, so it is
    skipped where no request got a 405."""
    exchanges = ctx.evidence.exchanges
    answered = [e for e in exchanges if e.response is not None and e.response.status == 405]
    if not answered:
        raise Skip("no request sent for this operation was answered 405, so there was no Allow header to look for")
    succeeded: dict[str, object] = {}
    for exchange in exchanges:
        if exchange.ok and exchange.operation and exchange.operation.split(" ", 1)[1] == ctx.operation.path:
            succeeded.setdefault(exchange.request.method.upper(), exchange)
    for exchange in answered:
        allow = _allow(exchange)
        if not allow:
            yield Violation(f"405 for {exchange.request.method} {ctx.operation.path} without an Allow header (HTTP "
                            "requires one listing the methods the resource supports, RFC 9110 15.5.6).", exchange)
            continue
        listed = {m.strip().upper() for m in allow.split(",")}
        seen = [m for m in succeeded if m not in listed]
        declared = [m for m in ctx.operation.declared_methods if m not in listed and m not in seen]
        if seen:
            shown = ", ".join(f"{m} (answered {succeeded[m].response.status})" for m in seen)
            yield Violation(f"405 for {exchange.request.method} {ctx.operation.path} says Allow: {allow}, but this "
                            f"run saw {shown} succeed on the same path (Allow lists the methods the resource "
                            "supports, RFC 9110 15.5.6).", exchange)
        elif declared:
            yield Violation(f"Allow is '{allow}' but the spec declares {', '.join(declared)} for "
                            f"{ctx.operation.path}.", exchange)


# -- HEAD beside GET: the "head" probe --------------------------------------------------------------------
def _head_pair(ctx):
    """GET and HEAD of the same resource, both answered, the resource reached and HEAD offered; else Skip."""
    pair = ctx.result("head")
    if pair.get.response is None:
        raise Skip(f"no response to GET ({pair.get.error}); server-errors.no-5xx reports it")
    if pair.head.response is None:
        raise Skip(f"no response to HEAD ({pair.head.error}); methods.head reports it")
    if pair.get.unreached:
        raise Skip(f"GET answered {pair.get.response.status}: the resource was never reached, so HEAD has nothing "
                   "to match")
    if pair.head.response.status in (405, 501) and "HEAD" not in ctx.operation.declared_methods:
        raise Skip(f"HEAD is not offered here (answered {pair.head.response.status}) and the spec does not declare "
                   "it: nothing to compare")
    return pair


def _excerpt(data: bytes, limit: int = 60) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return repr(text) + ("..." if len(data) > limit else "")


@check("methods.head", kind="operation", probes=["head"])
def head(ctx):
    pair = ctx.result("head")
    if pair.head.response is None:
        if pair.get.response is None:
            raise Skip(f"no response to GET nor HEAD ({pair.get.error}); server-errors.no-5xx reports it")
        yield Violation(f"No response to HEAD where GET was answered {pair.get.response.status}: {pair.head.error}.",
                        pair.head)
        return
    content = _content(pair)  # whatever HEAD answered, even a 405: RFC 9110 allows it no content
    try:
        get, head = _head_pair(ctx).get, pair.head
    except Skip:
        if content is None:
            raise
        yield content
        return
    if head.response.status != get.response.status:
        yield Violation(f"HEAD answered {head.response.status} where GET answered {get.response.status}.", head)
    if content is not None:
        yield content


def _content(pair) -> Violation | None:
    """Content in a HEAD answer: a body the client library read, or bytes after the headers on the raw connection."""
    head = pair.head
    if head.response.body:
        return Violation(f"HEAD returned a body of {len(head.response.body)} bytes ({_excerpt(head.response.body)}); "
                         "it must send none.", head)
    raw = pair.raw
    if raw is not None and raw.response is not None and raw.response.body:
        extra = raw.response.body
        return Violation(f"HEAD sent {len(extra)}{'+' if raw.response.truncated else ''} bytes of content after its "
                         f"headers ({_excerpt(extra)}); it must send none. A client library does not show them, but "
                         "on a kept-alive connection they are read as the start of the next answer.", raw)
    return None


@check("methods.head-headers", kind="operation", probes=["head"])
def head_headers(ctx):
    pair = _head_pair(ctx)
    get, head = pair.get, pair.head
    if head.response.status != get.response.status:
        raise Skip(f"HEAD answered {head.response.status} where GET answered {get.response.status} (methods.head "
                   "reports that): the headers of two different answers are not compared")
    get_type, head_type = get.response.header("content-type"), head.response.header("content-type")
    if get_type != head_type:
        yield Violation(f"HEAD has Content-Type {head_type!r} where GET has {get_type!r}.", head)
    missing = sorted(set(get.response.headers) - set(head.response.headers) - VOLATILE_HEADERS - {"content-type"})
    if missing:
        yield Violation(f"HEAD lacks headers that GET sends: {', '.join(missing)}.", head)


# -- the stateful promises: the "crud" and "create" probes of sequences.py ------------------------------
def _resource(exchange):
    body = exchange.response.json_or_none() if exchange.response is not None else None
    resource = resource_of(body)
    return resource if isinstance(resource, dict) else None


def _one_resource(ctx) -> str | None:
    """The stateful method rules judge a PUT, PATCH or DELETE of one resource: a path that ends in its id. A PUT
    to /flags/{key}/archive is an action on the resource, not a state of its own to replace."""
    if ctx.operation.collection_path is None:
        return f"{ctx.operation.path} is not the path of one resource (it does not end in its id)"
    return None


def _need(exchange, what: str):
    if exchange is None:
        raise Skip(f"the sequence did not get as far as {what}")
    return exchange


@check("methods.put-replaces", kind="operation", probes=["crud"], applies=_one_resource, needs_credential=True)
def put_replaces(ctx):
    crud = ctx.result("crud")
    put = _need(crud.change, "the PUT")
    field = crud.left_out
    if not put.ok:
        raise Skip(f"PUT with only the required fields (leaving out '{field}') answered {put.status_text}: "
                   "cannot tell whether it replaces")
    after = _need(crud.after, "reading the resource after the PUT")
    resource = _resource(after)
    if after.response is None or after.response.status != 200 or resource is None:
        raise Skip(f"GET after the PUT answered {after.status_text}: nothing to compare")
    before = _resource(crud.before) or {}
    # RFC 9110 9.3.4: the state is "replaced with the state defined by the representation enclosed", so what a PUT
    # leaves out is not kept: gone, null, or back to what the API gives a resource created without it.
    value = resource.get(field)
    if value is None or value != before.get(field):
        return
    # It reads as it did. Kept, or reset to a default that is the value it was created with? The probe set another
    # value with a PUT and left the field out again: that answers it.
    if crud.after_again is None:
        raise Skip(f"PUT without '{field}' left {field}={value!r}, as the resource was created, and no other value "
                   f"of '{field}' could be set to tell a kept value from one reset to its default")
    shown = _resource(crud.other_set)
    if shown is None or shown.get(field) != crud.other:
        raise Skip(f"PUT without '{field}' left {field}={value!r}, as the resource was created; a PUT setting it to "
                   f"{crud.other!r} did not show it set ({crud.other_set.status_text if crud.other_set else 'no GET'}),"
                   " so a kept value cannot be told from one reset to its default")
    again = _resource(crud.after_again)
    if again is None:
        raise Skip(f"GET after the second PUT without '{field}' answered {crud.after_again.status_text}: nothing to "
                   "compare")
    if again.get(field) == crud.other:
        yield Violation(f"PUT without '{field}' kept it: GET after the PUT shows {field}={crud.other!r}, the value "
                        f"the PUT before it set (and {field}={value!r} after a first PUT without it, as the resource "
                        "was created); expected it absent, null or reset (a PUT replaces the whole resource, RFC 9110 "
                        "9.3.4).", crud.after_again)


@check("methods.patch-partial", kind="operation", probes=["crud"], applies=_one_resource, needs_credential=True)
def patch_partial(ctx):
    crud = ctx.result("crud")
    patch = _need(crud.change, "the PATCH")
    field = crud.patched
    if not patch.ok:
        raise Skip(f"PATCH of only '{field}' with a valid value answered {patch.status_text}: cannot judge it")
    after = _need(crud.after, "reading the resource back")
    old, new = _resource(crud.before), _resource(after)
    if old is None or new is None or after.response.status != 200:
        raise Skip(f"GET after the PATCH answered {after.status_text}: nothing to compare")
    if new.get(field) == old.get(field):
        yield Violation(f"PATCH {field}={crud.value!r} did not change it: GET after the PATCH still shows "
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


@check("methods.delete-removes", kind="operation", probes=["crud"], applies=_one_resource, needs_credential=True,
       params=status_schema())
def delete_removes(ctx):
    crud = ctx.result("crud")
    delete = _need(crud.change, "the DELETE")
    if not delete.ok:
        raise Skip(f"DELETE of a resource the suite created answered {delete.status_text}: nothing was deleted")
    after = _need(crud.after, "reading the resource after the DELETE")
    # A resource that was deleted is not found (404), or gone for good (410, RFC 9110 §15.5.11). Where the
    # document names no status, the answer the API gives for an id it never issued shows it gone as well
    # (Kinto answers 403 for any bucket that does not exist, not to tell which do).
    expected = [ctx.params["status"]] if "status" in ctx.params else [404, 410]
    never = crud.never
    if "status" not in ctx.params and never is not None and never.response is not None and after.response is not None \
            and never.response.status == after.response.status and not after.ok:
        return
    if after.response is None or after.response.status not in expected:
        yield Violation(f"After DELETE answered {delete.status_text}, GET of the same resource answered "
                        f"{after.status_text}; expected {' or '.join(map(str, expected))}.", after)


def _creates(ctx) -> str | None:
    """A POST creates in a collection; one to the path of one resource updates it (Stripe's POST
    /v1/customers/{customer}) and one to an action acts on it (POST /v1/charges/{charge}/capture)."""
    if ctx.operation.collection_path is not None:
        return f"{ctx.operation.path} is the path of one resource: a POST there updates it, it creates nothing"
    if acts_on_its_parent(ctx.operation):
        return f"{ctx.operation.path} is an action on one resource: a POST there creates nothing"
    return None


@check("methods.create-status", kind="operation", probes=["create"], applies=_creates, needs_credential=True,
       params=status_schema())
def create_status(ctx):
    result = ctx.result("create")
    created = result.create
    expected = ctx.params.get("status", 201)
    if not created.ok and not (created.response is not None and created.response.status == expected):
        raise Skip(f"POST with a valid body answered {created.status_text}: nothing was created, so the status of "
                   "a creation cannot be judged")
    violations = []
    if created.response.status != expected:
        violations.append(Violation(f"POST with a valid body answered {created.status_text}; expected {expected} "
                                    "(the resource has been created).", created))
    read = result.read_back
    if read is not None and (read.response is None or read.response.status != 200):
        violations.append(Violation(f"The created resource cannot be read back: GET {read.request.url} answered "
                                    f"{read.status_text}; expected 200.", read))
    if read is None and created.ok and not violations and not result.ident:
        raise Skip("the POST answered with neither an id in the body nor a Location header: the created "
                   "resource cannot be read back to confirm it")
    yield from violations
