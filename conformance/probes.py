"""Targeted requests beside the generated ones. A probe is a function of a ProbeRun, registered by name; a
check asks for probes by name and each probe runs once per operation however many rules need it.

A probe states what it wants as RequestPlans (plan.py) and sends them through ``run.send``: the builder
chooses the resource and the credential, the transport policy decides whether the request may go. A probe
returns the exchanges it sent, or a typed result (see ``HeadPair`` here and the sequences' results) that
the checks read. Probes know nothing of the engine or the rules.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from .models import Exchange, Request, Skip
from .plan import NO_BODY, Body, Credential, RequestPlan, Target, form_body, json_body, raw_body
from .resources.ids import identifiers

PROBES: dict[str, Callable[["ProbeRun"], Any]] = {}


class ProbeRun(Protocol):
    """What a probe sees of the run of one operation (the engine's OperationRun)."""

    operation: Any  # spec.Operation
    settings: Any  # settings.Settings
    credentials: Any  # credentials.Credentials
    rng: random.Random

    def send(self, plan: RequestPlan) -> Exchange: ...
    def allows(self, method: str) -> bool: ...  # may the transport policy send this method at all?
    def raw_head(self, request: Request, note: str) -> Exchange: ...  # HEAD over a raw socket (transport.raw_head)
    def rules_using(self, probe: str) -> list[Any]: ...  # the rules (params applied) that asked for a probe
    def sample_body(self) -> Any: ...  # the JSON body of a valid request to the operation
    def find(self, method: str, path: str) -> Any: ...  # another operation of the spec
    def item_operation(self, method: str, collection: str) -> Any: ...  # GET /users/{id} for /users
    def creation_body(self, operation: Any, *, with_optional: bool) -> tuple[dict[str, Any], str | None]: ...
    def generated_bodies(self, operation: Any, count: int = 12) -> list[dict[str, Any]]: ...
    def credential_fields(self) -> set[str]: ...  # body fields that carry credentials
    def forget(self, values: dict[str, Any]) -> None: ...  # a resource that is gone
    def rate_limit_target(self) -> Any: ...


OPT_IN: dict[str, tuple[str, str]] = {}  # probe -> (the setting that turns it on, the option that says so)


def probe(name: str, *, opt_in: tuple[str, str] | None = None):
    """Register a probe; ``opt_in`` (setting, option): sent only where the user turned it on."""
    def register(func):
        if name in PROBES:
            raise RuntimeError(f"probe {name!r} registered twice")
        PROBES[name] = func
        if opt_in is not None:
            OPT_IN[name] = opt_in
        return func
    return register


def natural_target(operation: Any, method: str | None = None) -> Target:
    """Reads go to a resource that exists; writes to one the suite created."""
    return Target.EXISTING if (method or operation.method).upper() in ("GET", "HEAD", "OPTIONS") else Target.CREATED


def plan(run: ProbeRun, kind: str, note: str, **fields: Any) -> RequestPlan:
    fields.setdefault("target", natural_target(run.operation, fields.get("method")))
    return RequestPlan(run.operation, kind, note, **fields)


def _need_token(run: ProbeRun) -> str:
    if not run.settings.token:
        raise Skip("no valid credential was given (--conformance-token or CONFORMANCE_TOKEN)")
    return run.settings.token


# -- credentials -------------------------------------------------------------------------------------
@probe("no-credentials")
def no_credentials(run: ProbeRun) -> list[Exchange]:
    return [run.send(plan(run, "no-credentials", "no credentials", credential=Credential("none")))]


def _through_each(run: ProbeRun, kind: str, channels: list, credential: Callable[[Any], Credential],
                  none_why: str) -> list[Exchange]:
    """One request per channel, each carrying the credential that way and no other."""
    channels = [c for c in channels if c.serves(run.operation.method)]
    if not channels:
        raise Skip(none_why)
    return [run.send(plan(run, kind, channel.describe(), credential=credential(channel))) for channel in channels]


@probe("invalid-credentials")
def invalid_credentials(run: ProbeRun) -> list[Exchange]:
    secret = run.credentials.invalid(run.settings.token, run.rng)
    return _through_each(run, "invalid-credentials", list(run.credentials.channels),
                         lambda c: Credential("invalid", c, secret),
                         f"the profile names no credential channel for {run.operation.method}")


@probe("unsupported-channel")
def unsupported_channel(run: ProbeRun) -> list[Exchange]:
    _need_token(run)
    return _through_each(run, "unsupported-channel", list(run.credentials.unsupported),
                         lambda c: Credential("unsupported", c),
                         f"no unsupported channel applies to {run.operation.method}")


@probe("valid-credentials")
def valid_credentials(run: ProbeRun) -> list[Exchange]:
    _need_token(run)
    return _through_each(run, "valid-credentials", list(run.credentials.channels), lambda c: Credential("valid", c),
                         f"the profile names no credential channel for {run.operation.method}")


@probe("forbidden-credentials")
def forbidden_credentials(run: ProbeRun) -> list[Exchange]:
    if not run.settings.forbidden_token:
        raise Skip("no credential without permission was given (--conformance-forbidden-token or "
                   "CONFORMANCE_FORBIDDEN_TOKEN)")
    channel = run.credentials.primary(run.operation.method)
    if channel is None:
        raise Skip(f"the profile names no credential channel for {run.operation.method}")
    return [run.send(plan(run, "forbidden-credentials", f"a credential without permission {channel.describe()}",
                          credential=Credential("forbidden", channel)))]


# -- CORS ---------------------------------------------------------------------------------------------
@probe("no-origin")
def no_origin(run: ProbeRun) -> list[Exchange]:
    return [run.send(plan(run, "no-origin", "a valid request without Origin", origin=False,
                          headers={"Origin": None}))]


@probe("preflight")
def preflight(run: ProbeRun) -> list[Exchange]:
    """A preflight asking for what a browser client of the API would: the method, the header the profile's
    credential travels in, Content-Type where the request has a JSON body, and any the rule names."""
    method = run.operation.method
    requested = [c.name for c in run.credentials.channels if c.location == "header" and c.serves(method)]
    if run.operation.body_schema is not None:
        requested.append("Content-Type")
    for rule in run.rules_using("preflight"):
        requested += rule.params.get("request_headers", [])
    requested = list(dict.fromkeys(requested))
    headers = {"Origin": f"https://app-{run.rng.getrandbits(32):08x}.conformance.test",
               "Access-Control-Request-Method": run.operation.method}
    if requested:
        headers["Access-Control-Request-Headers"] = ", ".join(requested)
    return [run.send(plan(run, "preflight", f"a CORS preflight for {run.operation.method}", method="OPTIONS",
                          target=natural_target(run.operation), credential=Credential("none"), body=NO_BODY,
                          sample_query="none", headers=headers, origin=False, judged=False))]


# -- what other clients send -------------------------------------------------------------------------
ACCEPT_VARIANTS = {"none": None, "any": "*/*"}


@probe("accept-variants")
def accept_variants(run: ProbeRun) -> list[Exchange]:
    """The valid GET as curl and browsers send it: without an Accept header, and with Accept: */*. A profile
    that requires clients to send Accept lists no variant (the rule's ``accept_variants`` param)."""
    if run.operation.method != "GET":
        raise Skip("the Accept variants are sent to GET operations only")
    wanted: list[str] = []
    for rule in run.rules_using("accept-variants"):
        wanted += [v for v in rule.params.get("accept_variants", list(ACCEPT_VARIANTS)) if v not in wanted]
    if not wanted:
        raise Skip("the profile requires clients to send Accept, so no other Accept is sent")
    out = []
    for variant in wanted:
        value = ACCEPT_VARIANTS[variant]
        note = "without an Accept header" if value is None else f"with Accept: {value}"
        out.append(run.send(plan(run, "accept-variants", note, headers={"Accept": value})))
    return out


# -- unknown ids, bodies, methods --------------------------------------------------------------------
@probe("unknown-id")
def unknown_id(run: ProbeRun) -> list[Exchange]:
    if "{" not in run.operation.path and not identifiers(run.operation):
        raise Skip("the path has no parameter, and neither its query nor its body names a resource")
    exchange = run.send(plan(run, "unknown-id", "an id that does not exist", target=Target.UNKNOWN, broken=True))
    unknown = [f"{name}={value.value}" for name, value in exchange.values.items() if value.source == "unknown"]
    exchange.note = ", ".join(unknown) or exchange.note
    return [exchange]


def flatten_form(body: object) -> dict[str, str]:
    """The body as form fields; never empty, so the server has a body to refuse."""
    if not isinstance(body, dict):
        return {"value": json.dumps(body)}
    return {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in body.items()} or {"name": "conformance"}


@probe("form-body")
def form(run: ProbeRun) -> list[Exchange]:
    return [run.send(plan(run, "form-body", "a valid body, form-encoded", body=form_body(flatten_form(run.sample_body())),
                          broken=True))]


@probe("text-plain-body")
def text_plain(run: ProbeRun) -> list[Exchange]:
    """The valid JSON body, labelled as plain text: an API that reads JSON whatever the label accepts it."""
    return [run.send(plan(run, "text-plain-body", "a valid JSON body labelled Content-Type: text/plain",
                          body=Body("json", run.sample_body(), "text/plain"), broken=True))]


@probe("malformed-json")
def malformed_json(run: ProbeRun) -> list[Exchange]:
    return [run.send(plan(run, "malformed-json", "a body that is not valid JSON",
                          body=raw_body(b'{"name": "conformance", ', "application/json"),
                          credential=Credential("valid", avoid_body=True), broken=True))]


@probe("invalid-body")
def invalid_body(run: ProbeRun) -> list[Exchange]:
    invalid = run.operation.invalid_body(run.credential_fields())
    if invalid is None:
        raise Skip("the request body schema has no constraint that an invalid body could break")
    body, how = invalid
    return [run.send(plan(run, "invalid-body", how, body=json_body(body), broken=True))]


SAFE_FIRST = ("GET", "PATCH", "POST", "PUT", "DELETE")


@probe("wrong-method")
def wrong_method(run: ProbeRun) -> list[Exchange]:
    """A method the path does not declare. GET first (it cannot change data even if wrongly accepted); then
    PATCH with an empty body (a no-op patch), POST, PUT, DELETE, aimed at a resource the suite created (or
    an id that does not exist), so a server that wrongly accepts them harms nothing."""
    declared = set(run.operation.declared_methods) | ({"HEAD"} if "GET" in run.operation.declared_methods else set())
    candidates = [m for m in SAFE_FIRST if m not in declared and run.allows(m)]
    if "{" not in run.operation.path:  # a path that names no resource of the suite's own: only a harmless probe
        candidates = [m for m in candidates if m in ("GET", "PATCH")]
    if not candidates:
        raise Skip("every method worth probing is declared on this path (or only writes are left, and "
                   "--conformance-read-only is on)")
    method = candidates[0]
    body = NO_BODY if method in ("GET", "DELETE") else json_body({})
    # judged by every rule about answers too (a 405 sent as text/html breaks a JSON promise as any answer does)
    return [run.send(plan(run, "wrong-method", f"{method}, which the spec does not declare", method=method,
                          body=body))]


@dataclass
class HeadPair:
    get: Exchange
    head: Exchange
    raw: Exchange | None = None  # the same HEAD over a raw socket: its body is what came after the headers
    raw_skip: str = ""  # why there is no raw HEAD


@probe("head")
def head(run: ProbeRun) -> HeadPair:
    """GET and HEAD of the same resource; then, where HEAD is answered and a rule judges its content, the same
    HEAD over a raw socket, to see bytes sent after its headers (a client library never shows them)."""
    get = run.send(plan(run, "head", "GET beside HEAD", origin=False))
    head_exchange = run.send(plan(run, "head", "HEAD", method="HEAD", origin=False, body=NO_BODY, judged=False))
    pair = HeadPair(get, head_exchange)
    if not any(rule.check == "methods.head" for rule in run.rules_using("head")):
        pair.raw_skip = "no rule judges the content of a HEAD answer"
    elif head_exchange.response is None:
        pair.raw_skip = f"HEAD got {head_exchange.status_text}"
    else:  # (its linger also lets content wrongly sent after HEAD's headers reach the pooled connection, which
        # the client library then drops rather than read it as the next answer)
        try:
            raw = run.raw_head(head_exchange.request, "HEAD over a raw connection, read past its headers")
        except Skip as skip:  # the policy refused it (the request budget)
            pair.raw_skip = str(skip)
        else:
            for name in ("operation", "judged", "target", "values", "credential", "channel"):
                setattr(raw, name, getattr(head_exchange, name))
            pair.raw = raw
    return pair


# -- conditional requests and Range pages ------------------------------------------------------------
@dataclass
class Revalidation:
    """A GET, and the same GET sent again with the validator it answered with (If-None-Match: its ETag, or
    If-Modified-Since: its Last-Modified)."""

    get: Exchange
    header: str = ""  # the conditional header sent, e.g. "If-None-Match"
    value: str = ""  # its value: what the GET answered
    again: Exchange | None = None


@dataclass
class ConditionalGet:
    """The conditional GETs of one resource: by ETag (a second pair where the resource changed between the first
    two requests) and by Last-Modified, where a rule asks for it."""

    get: Exchange  # the first GET
    by_etag: list[Revalidation] = field(default_factory=list)
    by_date: Revalidation | None = None


def _same_get(run: ProbeRun, first: Exchange, note: str, headers: dict[str, str]) -> Exchange:
    """The GET ``first`` sent, to the same resource, with ``headers`` added; judged by no other rule (a 304 is
    an answer only a conditional request can get)."""
    return run.send(plan(run, "conditional-get", note, values=dict(first.values), headers=headers, origin=False,
                         body=NO_BODY, judged=False))


@probe("conditional-get")
def conditional_get(run: ProbeRun) -> ConditionalGet:
    """A GET, then the same GET with If-None-Match: the ETag it answered. Where the second answered 200 with another
    ETag and another body, the resource changed in between: one more pair. Where a rule asks for Last-Modified,
    the same GET with If-Modified-Since: the date it answered."""
    if run.operation.method != "GET":
        raise Skip("conditional requests are sent to GET operations only")
    result = ConditionalGet(run.send(plan(run, "conditional-get", "a GET, to read its validators", origin=False,
                                          body=NO_BODY)))
    get = result.get
    for attempt in range(2):
        response = get.response
        etag = response.header("etag") if response is not None and response.status == 200 else None
        if not etag:
            break
        pair = Revalidation(get, "If-None-Match", etag)
        pair.again = _same_get(run, get, f"the same GET with If-None-Match: {etag}", {"If-None-Match": etag})
        result.by_etag.append(pair)
        again = pair.again.response
        changed = (again is not None and again.status == 200 and again.header("etag") not in (None, etag)
                   and again.body != response.body)
        if not changed or attempt:
            break
        get = _same_get(run, get, "the same GET again (the resource changed in between)", {})
    wants_date = any(rule.params.get("last_modified") for rule in run.rules_using("conditional-get"))
    response = result.get.response
    modified = response.header("last-modified") if response is not None and response.status == 200 else None
    if wants_date and modified:
        result.by_date = Revalidation(result.get, "If-Modified-Since", modified)
        result.by_date.again = _same_get(run, result.get, f"the same GET with If-Modified-Since: {modified}",
                                         {"If-Modified-Since": modified})
    return result


MAX_RANGE_PAGES = 5


@dataclass
class RangeWalk:
    """The pages of a list asked for with a Range header, then along each answer's Next-Range."""

    pages: list[tuple[str, Exchange]] = field(default_factory=list)  # (the Range sent, the answer)
    end: str = ""  # why the walk stopped


@probe("range-walk")
def range_walk(run: ProbeRun) -> RangeWalk:
    """GET the list with ``Range: <unit> ..; max=<max>`` (the rule's params), then with the Next-Range each page
    answered, as a client pages through it (at most MAX_RANGE_PAGES pages)."""
    rules = run.rules_using("range-walk")
    params = rules[0].params if rules else {}
    request_header = params.get("range_header", "Range")
    next_header = params.get("next_range_header", "Next-Range")
    walk = RangeWalk()
    sent = f"{params.get('unit', 'id')} ..; max={params.get('max', 2)}"
    seen: set[str] = set()
    while True:
        seen.add(sent)
        exchange = run.send(plan(run, "range-walk", f"{request_header}: {sent}", headers={request_header: sent},
                                 sample_query="required", body=NO_BODY, origin=False, judged=False))
        walk.pages.append((sent, exchange))
        response = exchange.response
        following = response.header(next_header) if response is not None else None
        if response is None or not 200 <= response.status < 300:
            walk.end = f"the page asked with {request_header}: {sent} answered {exchange.status_text}"
        elif not following:
            walk.end = f"the page asked with {request_header}: {sent} has no {next_header}"
        elif following in seen:
            walk.end = f"its {next_header} ({following}) was already asked for"
        elif len(walk.pages) >= MAX_RANGE_PAGES:
            walk.end = f"the walk stopped early, after {MAX_RANGE_PAGES} pages"
        else:
            sent = following
            continue
        return walk
