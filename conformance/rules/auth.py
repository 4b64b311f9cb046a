"""auth: 401 versus 403, every credential channel the profile promises, challenges."""

from __future__ import annotations

import re

from ..models import Violation
from .registry import IGNORE, check, status_schema


def _protected(ctx) -> str | None:
    return None if ctx.operation.protected else "the operation is public (security: [])"


def _public(ctx) -> str | None:
    return None if not ctx.operation.protected else "the operation is protected"


def _expect_status(ctx, exchange, situation: str, *, default: int = 401, accepted: str | None = None):
    """The answer has the rule's status. A 2xx is told apart: by default the operation ignores
    authentication (the critical finding); ``accepted`` replaces that explanation where a 2xx can be legitimate."""
    expected = ctx.params.get("status", default)
    got = exchange.response.status
    if got == expected:
        return None
    if 200 <= got < 300:
        if accepted is not None:
            return f"Expected {expected} for {situation}, got {got}: {accepted}"
        return Violation(f"Expected {expected} for {situation}, got {got}: the operation ignores authentication.",
                         exchange, critical=True)
    return f"Expected {expected} for {situation}, got {got}."


@check("auth.missing-credentials", probes=["no-credentials"], only_probes=["no-credentials"], applies=_protected,
       params=status_schema())
def missing_credentials(ctx, exchange):
    return _expect_status(ctx, exchange, "a request without credentials")


@check("auth.invalid-credentials", probes=["invalid-credentials"], only_probes=["invalid-credentials"],
       applies=_protected, params=status_schema())
def invalid_credentials(ctx, exchange):
    return _expect_status(ctx, exchange, f"an invalid credential {exchange.note}")


def _has_unsupported(ctx) -> str | None:
    if not ctx.catalog.auth.get("unsupported_channels"):
        return "the profile names no unsupported credential channel"
    return _protected(ctx)


@check("auth.unsupported-channel", probes=["unsupported-channel"], only_probes=["unsupported-channel"],
       applies=_has_unsupported, params=status_schema())
def unsupported_channel(ctx, exchange):
    return _expect_status(ctx, exchange, f"a valid credential sent {exchange.note}, which the profile does not support")


@check("auth.valid-credentials", probes=["valid-credentials"], only_probes=["valid-credentials"], applies=_protected)
def valid_credentials(ctx, exchange):
    got = exchange.response.status
    if got in (401, 403):
        return f"Expected a valid credential {exchange.note} to be accepted, got {got}."
    return None


@check("auth.forbidden-credentials", probes=["forbidden-credentials"], only_probes=["forbidden-credentials"],
       applies=_protected, params=status_schema())
def forbidden_credentials(ctx, exchange):
    return _expect_status(ctx, exchange, "a valid credential without the permission", default=403,
                          accepted="either the operation does not check permissions, or this credential may use it "
                                   "(then switch the rule off for this operation in your catalog).")


@check("auth.public-operations", probes=["no-credentials"], only_probes=["no-credentials"], applies=_public)
def public_operations(ctx, exchange):
    got = exchange.response.status
    if got in (401, 403):
        return f"The operation is public in the spec (security: []) but answered {got} to a request without credentials."
    return None


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
