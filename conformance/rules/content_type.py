"""content-type: JSON out (errors included), JSON in, UTF-8, and minified where the document says so."""

from __future__ import annotations

from .registry import IGNORE, check, refused

NO_BODY_STATUSES = {204, 304}


def has_body(exchange) -> bool:
    response = exchange.response
    return (response.status not in NO_BODY_STATUSES and exchange.request.method != "HEAD"
            and bool(response.body.strip()))


def is_json_media_type(media_type: str, allowed: list[str]) -> bool:
    return media_type in allowed or media_type.endswith("+json")


def _a_resource(ctx) -> str | None:
    if ctx.operation.serves_the_description(getattr(ctx.settings, "spec", None) or "", ctx.settings.url):
        return "the operation serves the API description itself, not a resource"
    return None


@check("content-type.json-response", probes=["accept-variants"], applies=_a_resource,
       params={"type": "object", "properties": {
           "media_types": {"type": "array", "items": {"type": "string"}},
           "accept_variants": {"type": "array", "items": {"enum": ["none", "any"]},
                               "description": "also send the valid GET without Accept (none) and with */* (any)"}}})
def json_response(ctx, exchange):
    if not has_body(exchange):
        return IGNORE
    allowed = ctx.params.get("media_types", ["application/json"])
    received = exchange.response.header("content-type")
    if received is None:
        return f"A {exchange.response.status} response with a body has no Content-Type; expected {' or '.join(allowed)}."
    if not is_json_media_type(exchange.response.media_type, allowed):
        asked = f" (request sent {exchange.note})" if exchange.kind == "accept-variants" else ""
        return (f"Content-Type is '{received}' on a {exchange.response.status} response{asked}; expected "
                f"{' or '.join(allowed)}.")
    return None


def _has_request_body(ctx) -> str | None:
    return None if ctx.operation.body_schema is not None else "the operation takes no request body"


WHAT_WAS_SENT = {"form-body": "A form-encoded body", "text-plain-body": "A JSON body labelled Content-Type: text/plain"}


@check("content-type.json-request", probes=["form-body", "text-plain-body"], only_probes=list(WHAT_WAS_SENT),
       applies=_has_request_body, needs_credential=True,
       params={"type": "object", "properties": {"statuses": {"type": "array", "items": {"type": "integer"}}}})
def json_request(ctx, exchange):
    """A body that is not labelled application/json (form fields; the valid JSON body labelled text/plain) is
    refused with a 4xx, never accepted; `statuses` narrows which 4xx (e.g. [415])."""
    refused(exchange)
    got = exchange.response.status
    expected = ctx.params.get("statuses")
    what = WHAT_WAS_SENT[exchange.kind]
    if 200 <= got < 300:
        return f"{what} was accepted with {got}; expected a refusal with a 4xx."
    if expected and got not in expected:
        return f"{what} was answered with {got}; expected {', '.join(map(str, expected))}."
    if not 400 <= got < 500:
        return f"{what} was answered with {got}; expected a refusal with a 4xx."
    return None


@check("content-type.utf8")
def utf8(ctx, exchange):
    if not has_body(exchange) or not exchange.response.media_type.endswith("json"):
        return IGNORE
    header = exchange.response.header("content-type") or ""
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip('"').lower() not in ("utf-8", "utf8"):
            return f"Content-Type declares charset '{value}'; expected UTF-8."
    try:
        exchange.response.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"The JSON body is not valid UTF-8 (byte {exc.start}: {exc.object[exc.start:exc.start + 1]!r})."
    return None


WHITESPACE = b" \t\r\n"


def insignificant_whitespace(body: bytes) -> int | None:
    """The offset of the first whitespace between the tokens of a JSON text (outside its strings), or None. The
    body's leading and trailing whitespace is left to the caller."""
    in_string = escaped = False
    for offset, byte in enumerate(body):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in WHITESPACE:
            return offset
    return None


@check("content-type.minified-json", params={"type": "object", "properties": {
    "trailing_newline": {"type": "boolean", "description": "a newline after the JSON text is allowed (default true)"}}})
def minified_json(ctx, exchange):
    """A JSON body carries no whitespace between its tokens (what a pretty-printer adds)."""
    response = exchange.response
    if not has_body(exchange) or not response.media_type.endswith("json") or response.json_or_none() is None:
        return IGNORE
    body = response.body.rstrip(b"\r\n") if ctx.params.get("trailing_newline", True) else response.body
    offset = insignificant_whitespace(body)
    if offset is None:
        return None
    excerpt = body[max(0, offset - 12):offset + 12].decode("utf-8", "replace")
    return (f"A {response.status} JSON body has whitespace between its tokens at byte {offset} ({excerpt!r}); the "
            "document says JSON bodies are minified.")
