"""auth: 401 versus 403, every credential channel the profile promises, challenges.

Which operations are protected is decided from three things, in this order: the profile's promise (the
catalog's ``auth.protects: all``, e.g. FeatBit's "All REST API resources are authenticated"), the spec's
``security``, and what the API does (an operation that refuses a request without credentials and accepts
the valid one is protected, whatever the spec says). A spec that marks public an operation the API
protects is a documentation finding (schema.security-documented), not an auth violation.
"""

from __future__ import annotations

import re

from ..models import Skip, Violation
from .registry import IGNORE, check, status_schema

REFUSALS = (401, 403)


def _has_channel(ctx) -> str | None:
    if not ctx.catalog.auth.get("channels"):
        return "the profile names no credential channel"
    if not any(c.serves(ctx.operation.method) for c in ctx.credentials.channels):
        return f"the profile names no credential channel for {ctx.operation.method}"
    return None


def promised(ctx) -> bool:
    return ctx.catalog.auth.get("protects") == "all"


def protection(ctx) -> tuple[bool, str]:
    """Is the operation protected, and why (judged once the no-credentials probe has answered)."""
    if promised(ctx):
        return True, "the document says every resource is authenticated"
    if ctx.operation.protected:
        return True, "the spec declares its security"
    anonymous = [e for e in ctx.exchanges("no-credentials") if e.response is not None and not e.unreached]
    if anonymous and anonymous[0].response.status in REFUSALS and ctx.reached:
        return True, f"it refused a request without credentials ({anonymous[0].response.status}) and accepts the valid one"
    if anonymous and 200 <= anonymous[0].response.status < 300:
        return False, f"the operation is public: it answered a request without credentials with {anonymous[0].response.status}"
    if anonymous:
        return False, (f"the spec does not protect it and a request without credentials got "
                       f"{anonymous[0].response.status}, which does not tell whether it is protected")
    return False, "the spec does not protect it and the request without credentials got no answer to judge"


def need_protected(ctx) -> None:
    protected, why = protection(ctx)
    if not protected:
        raise Skip(why)


def need_real_target(exchange) -> None:
    """An answer to a request aimed at a resource not known to exist says nothing about a valid credential: some
    APIs hide what does not exist behind a 403 (Kinto)."""
    if exchange.target == "unknown" or any(not value.real for value in exchange.values.values()):
        names = ", ".join(f"{n}={v.value!r} ({v.describe()})" for n, v in exchange.values.items() if not v.real)
        raise Skip(f"the request aimed at a resource not known to exist ({names}): its answer says nothing about "
                   "the credential")


def _expect_status(ctx, exchange, situation: str, *, default: int = 401):
    """The answer has the rule's status. A 2xx is the critical finding: the operation ignores authentication."""
    need_protected(ctx)
    expected = ctx.params.get("status", default)
    got = exchange.response.status
    if got == expected:
        return None
    if 200 <= got < 300:
        return Violation(f"Expected {expected} for {situation}, got {got}: the operation ignores authentication.",
                         exchange, critical=True)
    return f"Expected {expected} for {situation}, got {got}."


AUTH = dict(applies=_has_channel, params=status_schema())


@check("auth.missing-credentials", probes=["no-credentials", "valid-credentials"], only_probes=["no-credentials"], **AUTH)
def missing_credentials(ctx, exchange):
    return _expect_status(ctx, exchange, "a request without credentials")


@check("auth.invalid-credentials", probes=["no-credentials", "valid-credentials", "invalid-credentials"],
       only_probes=["invalid-credentials"], **AUTH)
def invalid_credentials(ctx, exchange):
    return _expect_status(ctx, exchange, f"an invalid credential {exchange.note}")


def _has_unsupported(ctx) -> str | None:
    if not ctx.catalog.auth.get("unsupported_channels"):
        return "the profile names no unsupported credential channel"
    return _has_channel(ctx)


@check("auth.unsupported-channel", probes=["no-credentials", "valid-credentials", "unsupported-channel"],
       only_probes=["unsupported-channel"], applies=_has_unsupported, params=status_schema(),
       needs_credential=True)
def unsupported_channel(ctx, exchange):
    return _expect_status(ctx, exchange, f"a valid credential sent {exchange.note}, which the profile does not support")


@check("auth.valid-credentials", probes=["no-credentials", "valid-credentials"], only_probes=["valid-credentials"],
       applies=_has_channel)
def valid_credentials(ctx, exchange):
    refused = ctx.credential_check
    if refused.refused and refused.operation != ctx.operation.label:
        raise Skip(f"not judged again here: {refused.describe()} (one finding, on {refused.operation})")
    need_real_target(exchange)
    got = exchange.response.status
    if got in REFUSALS:
        if not promised(ctx) and not ctx.operation.protected:
            anonymous = [e for e in ctx.exchanges("no-credentials") if e.response is not None]
            if anonymous and anonymous[0].response.status == got:
                raise Skip(f"a request without credentials got {got} too: the credential is not what is refused")
        return f"Expected a valid credential {exchange.note} to be accepted, got {got}."
    need_protected(ctx)
    return None


FORBIDDEN_PARAMS = {"type": "object", "properties": {
    "status": {"type": "integer", "minimum": 100, "maximum": 599},
    "refused_methods": {"type": "array", "items": {"enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]}}}}


@check("auth.forbidden-credentials", probes=["no-credentials", "valid-credentials", "forbidden-credentials"],
       only_probes=["forbidden-credentials"], applies=_has_channel, params=FORBIDDEN_PARAMS,
       needs_credential=True)
def forbidden_credentials(ctx, exchange):
    """401 means the credential is invalid or passed wrongly; 403 means it is valid but not allowed (RFC 9110
    §15.5.2, §15.5.4). So a valid credential is never answered 401, and a refusal of it is a 403. A 2xx only
    shows that this credential has the permission: a finding only where the catalog says it must be refused
    (``refused_methods``)."""
    need_protected(ctx)
    wrong = ctx.forbidden_check
    if wrong.refused and wrong.operation != ctx.operation.label:
        raise Skip(f"not judged again here: the credential without permission got 401 on {wrong.operation} (sent "
                   f"{wrong.channel}) where the valid one was accepted; one finding, there. If that credential is "
                   "not valid at all, check --conformance-forbidden-token")
    need_real_target(exchange)
    expected = ctx.params.get("status", 403)
    got = exchange.response.status
    method = exchange.request.method
    must_refuse = method in ctx.params.get("refused_methods", [])
    if got == expected:
        return None
    if got == 401:
        return (f"A valid credential without the permission got 401 on {method}; expected {expected}: 401 says the "
                "credential is invalid or passed wrongly, a valid one that may not do this gets 403.")
    if 200 <= got < 300:
        if must_refuse:
            return Violation(f"A credential without the permission was accepted on {method} with {got}; the catalog "
                             f"says it must be refused there (expected {expected}).", exchange, critical=True)
        raise Skip(f"the credential without the permission may {method} here (answered {got}); the catalog does not "
                   "say it must be refused on this operation")
    if got >= 500:
        return IGNORE  # server-errors.no-5xx
    accepted = [e for e in ctx.exchanges("valid-credentials") if e.ok]
    if accepted:
        return (f"A valid credential without the permission was refused with {got} on {method}, where the valid "
                f"credential got {accepted[0].response.status}; expected {expected}.")
    raise Skip(f"the credential without the permission got {got}, and no request with the valid credential got a 2xx "
               "here to tell a refusal from a bad request")


def _offers(values: list[str], scheme: str) -> bool:
    """Does any challenge of the WWW-Authenticate field(s) use this scheme? (Several challenges may share a field,
    separated by commas; a scheme name starts a challenge.)"""
    pattern = re.compile(rf"(?:^|,)\s*{re.escape(scheme)}(?:\s|,|$)", re.IGNORECASE)
    return any(pattern.search(value) for value in values)


@check("auth.challenge", params={"type": "object", "properties": {"scheme": {"type": "string"}}})
def challenge(ctx, exchange):
    """RFC 9110 15.5.2: every 401 carries at least one challenge; a profile may name the scheme it must offer."""
    if exchange.response.status != 401:
        return IGNORE
    scheme = ctx.params.get("scheme", "")
    values = [v for v in exchange.response.headers.get("www-authenticate", []) if v.strip()]
    if not values:
        expected = f"; expected a '{scheme}' challenge" if scheme else ""
        return (f"A 401 without a WWW-Authenticate header{expected} (HTTP requires a challenge with every 401, "
                "RFC 9110 15.5.2).")
    if scheme and not _offers(values, scheme):
        return f"WWW-Authenticate is '{', '.join(values)}', expected a '{scheme}' challenge."
    return None


def _declared_public(ctx) -> str | None:
    if ctx.operation.protected:
        return "the spec declares the operation's security"
    if not ctx.catalog.auth.get("channels"):
        return "the profile names no credential channel"
    return None


@check("schema.security-documented", probes=["no-credentials", "valid-credentials"], only_probes=["no-credentials"],
       applies=_declared_public)
def security_documented(ctx, exchange):
    """The spec marks the operations that need a credential: one the API refuses without credentials (and
    serves with the valid one) is not documented as public."""
    got = exchange.response.status
    if got not in REFUSALS:
        return None
    if not ctx.reached:
        raise Skip(f"a request without credentials got {got}, but no valid request got a 2xx here to show that a "
                   "credential opens it")
    declared = "security: []" if "security" in ctx.operation.definition else "no security requirement"
    return (f"The spec gives {ctx.operation.label} {declared}, but the API refused a request without credentials "
            f"with {got} and accepts the valid credential: document its security scheme.")
