"""schema and server-errors: schemathesis' own response checks, and no 5xx."""

from __future__ import annotations

from schemathesis.specs.openapi import checks as st_checks

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
