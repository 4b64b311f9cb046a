"""cors: origin echoing, the wildcard, Vary, credentials, and preflight answers."""

from __future__ import annotations

from .registry import IGNORE, check


def _is_simple(exchange) -> bool:
    return exchange.request.method != "OPTIONS"


def _acao(exchange) -> list[str]:
    return exchange.response.headers.get("access-control-allow-origin", [])


@check("cors.origin-echo", reads_origin=True)
def origin_echo(ctx, exchange):
    origin = exchange.request.headers.get("Origin")
    if not origin or not _is_simple(exchange):
        return IGNORE
    values = _acao(exchange)
    if values == [origin]:
        return None
    if not values:
        return f"No Access-Control-Allow-Origin on a {exchange.response.status} response; expected the origin {origin} echoed."
    return (f"Access-Control-Allow-Origin is {', '.join(values)!s} on a {exchange.response.status} response; "
            f"expected the request's origin {origin}.")


@check("cors.wildcard-without-origin", reads_origin=True, probes=["no-origin"])
def wildcard_without_origin(ctx, exchange):
    if exchange.request.headers.get("Origin") or not _is_simple(exchange):
        return IGNORE
    values = _acao(exchange)
    if values == ["*"]:
        return None
    shown = ", ".join(values) if values else "missing"
    return f"Access-Control-Allow-Origin is {shown} on a {exchange.response.status} response to a request without Origin; expected *."


@check("cors.vary-origin", reads_origin=True)
def vary_origin(ctx, exchange):
    origin = exchange.request.headers.get("Origin")
    if not origin or _acao(exchange) != [origin]:
        return IGNORE
    vary = ",".join(exchange.response.headers.get("vary", []))
    tokens = {t.strip().lower() for t in vary.split(",")}
    if "origin" in tokens or "*" in tokens:
        return None
    return f"The origin is echoed but Vary is {vary or 'missing'}; expected Vary: Origin."


@check("cors.credentials-wildcard", reads_origin=True)
def credentials_wildcard(ctx, exchange):
    if not _acao(exchange):
        return IGNORE
    credentials = exchange.response.header("access-control-allow-credentials") or ""
    if credentials.strip().lower() == "true" and "*" in _acao(exchange):
        return "Access-Control-Allow-Credentials: true with Access-Control-Allow-Origin: *; browsers refuse this."
    return None


@check("cors.allow-origin", reads_origin=True)
def allow_origin(ctx, exchange):
    origin = exchange.request.headers.get("Origin")
    if not origin or not _is_simple(exchange):
        return IGNORE
    values = _acao(exchange)
    if values in ([origin], ["*"]):
        return None
    shown = ", ".join(values) if values else "missing"
    return f"Access-Control-Allow-Origin is {shown} on a {exchange.response.status} response; expected {origin} or *."


SAFELISTED_METHODS = {"GET", "HEAD", "POST"}


def _tokens(exchange, header: str) -> set[str]:
    return {t.strip().lower() for v in exchange.response.headers.get(header, []) for t in v.split(",") if t.strip()}


@check("cors.preflight", reads_origin=True, probes=["preflight"], only_probes=["preflight"], params={
    "type": "object",
    "properties": {"request_headers": {"type": "array", "items": {"type": "string"}},
                   "allow_headers": {"type": "array", "items": {"type": "string"}}}})
def preflight(ctx, exchange):
    response = exchange.response
    problems = []
    if not 200 <= response.status < 300:
        problems.append(f"answered {response.status}, expected 2xx")
    if not _acao(exchange):
        problems.append("no Access-Control-Allow-Origin")
    methods = _tokens(exchange, "access-control-allow-methods")
    method = ctx.operation.method
    # GET, HEAD and POST are CORS-safelisted: a browser allows them whatever Allow-Methods says (Fetch standard).
    if method not in SAFELISTED_METHODS and method.lower() not in methods and "*" not in methods:
        problems.append(f"Access-Control-Allow-Methods ({', '.join(sorted(methods)) or 'missing'}) does not cover {method}")
    allowed = _tokens(exchange, "access-control-allow-headers")
    # The headers the preflight asked for (the probe asks for the rule's request_headers), then any the rule
    # wants listed besides (allow_headers).
    requested = next((v for k, v in exchange.request.headers.items() if k.lower() == "access-control-request-headers"),
                     "")
    asked = [h.strip() for h in requested.split(",") if h.strip()]
    wanted = list(dict.fromkeys(asked + ctx.params.get("allow_headers", [])))
    # "*" allows every header but Authorization, which must be named (Fetch standard).
    missing = [h for h in wanted if h.lower() not in allowed and not ("*" in allowed and h.lower() != "authorization")]
    if missing:
        problems.append(f"Access-Control-Allow-Headers does not cover {', '.join(missing)}")
    if problems:
        return f"The preflight for {method} {ctx.operation.path}: " + "; ".join(problems) + "."
    return None


@check("cors.max-age", reads_origin=True, probes=["preflight"], only_probes=["preflight"],
       params={"type": "object", "properties": {"value": {"type": "integer", "minimum": 0}}})
def max_age(ctx, exchange):
    value = exchange.response.header("access-control-max-age")
    expected = ctx.params.get("value")
    if value is None:
        return f"The preflight answer has no Access-Control-Max-Age; expected {expected if expected is not None else 'a number'}."
    if not value.strip().isdigit():
        return f"Access-Control-Max-Age is {value!r}, not a number of seconds."
    if expected is not None and int(value) != expected:
        said = "the document's example says" if getattr(getattr(ctx, "rule", None), "example", False) else "expected"
        return f"Access-Control-Max-Age is {value}; {said} {expected}."
    return None
