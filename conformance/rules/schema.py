"""schema and server-errors: schemathesis' own response checks, no 5xx, and the spec's security schemes against
the profile's credential channels."""

from __future__ import annotations

from typing import Any

from schemathesis.specs.openapi import checks as st_checks

from ..credentials import Channel, Credentials
from ..errors import SpecError
from ..models import Skip
from ..spec import resolve
from .registry import IGNORE, check

# The media type itself is the content-type category's to judge (by the profile's document), so a
# text/plain error is one violation, not two.
SCHEMA_CHECKS = [st_checks.response_schema_conformance, st_checks.response_headers_conformance]
STATUS_CHECKS = [st_checks.status_code_conformance]


def _run_schemathesis(ctx, exchange, checks, *, head_bodies: bool = False):
    """A preflight, or a HEAD sent beside a GET, is not the operation the spec describes; a HEAD operation's
    status is judged, its (absent) body is not."""
    method = exchange.request.method
    if exchange.response.status == 429 or method == "OPTIONS" and ctx.operation.method != "OPTIONS":
        return IGNORE
    if method == "HEAD" and (ctx.operation.method != "HEAD" or head_bodies):
        return IGNORE
    return ctx.validate_with_schemathesis(exchange, checks)


@check("schema.response-conformance")
def response_conformance(ctx, exchange):
    # A body that is not JSON (YAML, HTML, text) is left to the content-type rules: schemathesis would parse
    # YAML into an object and compare it with the schema of its text.
    media = exchange.response.media_type
    if exchange.response.body.strip() and media and not (media.endswith("json") or media.endswith("+json")):
        return IGNORE
    return _run_schemathesis(ctx, exchange, SCHEMA_CHECKS, head_bodies=True)


@check("schema.status-documented")
def status_documented(ctx, exchange):
    return _run_schemathesis(ctx, exchange, STATUS_CHECKS)


@check("server-errors.no-5xx", judges_failures=True)
def no_5xx(ctx, exchange):
    status = exchange.response.status
    return f"The API failed with {status} ({exchange.note or exchange.kind} request)." if status >= 500 else None


# -- the spec's security schemes against the profile's credential channels --------------------------------
def _has_channels(ctx) -> str | None:
    if not ctx.catalog.auth.get("channels"):
        return "the profile names no credential channel to compare the spec's security schemes with"
    return None


def declared_schemes(root: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The spec's security schemes by name: OpenAPI 3 components.securitySchemes, Swagger 2 securityDefinitions."""
    declared = (root.get("components") or {}).get("securitySchemes") or root.get("securityDefinitions") or {}
    if not isinstance(declared, dict):
        return {}
    schemes = {}
    for name, scheme in declared.items():
        try:
            scheme = resolve(scheme, root)
        except SpecError:
            continue
        if isinstance(scheme, dict):
            schemes[str(name)] = scheme
    return schemes


def _auth_scheme(scheme: dict[str, Any]) -> str | None:
    """The Authorization scheme a security scheme sends (basic, bearer, digest, ...); None for an API key, mutual
    TLS and anything else that does not travel in Authorization under a scheme name."""
    kind = str(scheme.get("type", "")).lower()
    if kind == "basic":  # Swagger 2
        return "basic"
    if kind == "http":
        return str(scheme.get("scheme", "")).lower() or None
    if kind in ("oauth2", "openidconnect"):
        return "bearer"  # the access token travels as a Bearer token (RFC 6750)
    return None


def scheme_matches(scheme: dict[str, Any], channel: Channel) -> bool:
    """Does a credential sent the way the security scheme says travel in this channel?"""
    if str(scheme.get("type", "")).lower() == "apikey":
        name, where = str(scheme.get("name", "")), scheme.get("in")
        if where == "header":
            return channel.location == "header" and channel.name.lower() == name.lower()
        if where == "query":
            return channel.location == "query" and channel.name == name
        return False  # a cookie: the profile has no cookie channel
    auth = _auth_scheme(scheme)
    if auth is None or channel.location != "header" or channel.name.lower() != "authorization":
        return False
    prefix = channel.format.split("{", 1)[0].strip().lower()  # "basic", "bearer", "" for the raw token
    if auth == "basic":
        return prefix == "basic" or "{basic}" in channel.format
    return prefix == auth


def describe_scheme(scheme: dict[str, Any]) -> str:
    kind = str(scheme.get("type", "")).lower()
    if kind == "apikey":
        where = {"header": "the header", "query": "the query parameter", "cookie": "the cookie"}.get(
            str(scheme.get("in")), f"'{scheme.get('in')}'")
        return f"an API key in {where} {scheme.get('name')}"
    auth = _auth_scheme(scheme)
    if auth is not None:
        label = {"oauth2": "OAuth 2", "openidconnect": "OpenID Connect"}.get(kind)
        via = f"{label}: " if label else ""
        return f"{via}HTTP {auth.capitalize()} in the header Authorization"
    return f"type {scheme.get('type')!r}"


def describe_channel(channel: Channel) -> str:
    where = {"header": "the header", "query": "the query parameter", "body": "the body field"}[channel.location]
    value = channel.format.replace("{token}", "<token>").replace("{basic}", "<user:password in base64>")
    shown = f" as '{value}'" if channel.location == "header" and channel.format != "{token}" else ""
    methods = f" (for {', '.join(channel.methods)})" if channel.methods else ""
    return f"{where} {channel.name}{shown}{methods}"


@check("schema.security-schemes", kind="static", applies=_has_channels)
def security_schemes(ctx):
    """One violation per security scheme the operation accepts (its security requirement, or every declared scheme
    where the spec states none) that is no channel of the profile. OpenAPI cannot declare a credential in the body,
    so where the profile carries it only in the body for this method, the scheme is compared with every channel the
    profile has."""
    root = ctx.operation.root
    schemes = declared_schemes(root)
    if not schemes:
        raise Skip("the spec declares no security schemes (components.securitySchemes or securityDefinitions), so "
                   "there is nothing to compare with the profile's credential channels")
    requirements = ctx.operation.definition.get("security", root.get("security"))
    if requirements is not None and (not requirements or any(requirement == {} for requirement in requirements)):
        raise Skip("the spec marks the operation public (security: []), so it names no scheme for it")
    names = list(dict.fromkeys(name for requirement in requirements or () for name in requirement)) \
        if requirements else list(schemes)
    credentials = Credentials.from_catalog(ctx.catalog.auth)
    method = ctx.operation.method
    channels = [c for c in credentials.for_method(method) if c.location != "body"] or list(credentials.channels)
    unsupported = list(credentials.unsupported)
    for name in names:
        scheme = schemes.get(name)
        if scheme is None or any(scheme_matches(scheme, c) for c in channels):
            continue
        refused = next((c for c in unsupported if scheme_matches(scheme, c)), None)
        why = f", which the document says is not supported" if refused is not None else ""
        allowed = "; ".join(describe_channel(c) for c in credentials.for_method(method)) or "no channel"
        yield (f"The spec's security scheme '{name}' ({describe_scheme(scheme)}) is not a way the profile lets a "
               f"credential travel{why}: for {method} the document allows {allowed}. Fix the spec's "
               "securitySchemes, or the catalog's auth channels if the API accepts it.")
