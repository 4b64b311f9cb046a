"""errors: the profile's error envelope, and its status codes for unknown resources and invalid input."""

from __future__ import annotations

from functools import lru_cache

import json

import jsonschema

from ..models import Skip
from ..resources import identifiers, looks_like_an_id, resource_names
from .registry import IGNORE, check, refused, status_schema
from .content_type import has_body


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(json.loads(schema_json))


def is_error(exchange) -> bool:
    # 429 belongs to the rate-limit rules; HEAD has no body to judge.
    return exchange.response.status >= 400 and exchange.request.method != "HEAD"


@check("errors.envelope", params={"type": "object", "required": ["schema"], "properties": {"schema": {"type": "object"}}})
def envelope(ctx, exchange):
    if not is_error(exchange):
        return IGNORE
    status = exchange.response.status
    body = exchange.response.json_or_none() if has_body(exchange) else None
    if body is None:
        excerpt = exchange.response.body[:80].decode("utf-8", "replace")
        return f"The {status} error body is not JSON ({excerpt!r}); expected the profile's error envelope."
    validator = _validator(json.dumps(ctx.params["schema"], sort_keys=True))
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return None
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"The {status} error body does not have the profile's envelope: {error.message} (at {where})."


@check("errors.status-in-body", params={
    "type": "object", "required": ["field"],
    "properties": {"field": {"type": "string"}, "title_field": {"type": "string"}, "titles": {"type": "object"}}})
def status_in_body(ctx, exchange):
    if not is_error(exchange):
        return IGNORE
    body = exchange.response.json_or_none()
    if not isinstance(body, dict):
        return IGNORE  # errors.envelope reports a missing envelope
    status = exchange.response.status
    field = ctx.params["field"]
    if field not in body:
        return IGNORE  # errors.envelope reports a missing field
    if body.get(field) != status:
        return f"The error body says {field}={body.get(field)!r} but the status is {status}."
    expected_title = ctx.params.get("titles", {}).get(str(status))
    title_field = ctx.params.get("title_field", "title")
    if expected_title and body.get(title_field) != expected_title:
        return f"The {status} error body has {title_field}={body.get(title_field)!r}; the document's table says {expected_title!r}."
    return None


def _has_path_parameter(ctx) -> str | None:
    if "{" in ctx.operation.path or identifiers(ctx.operation):
        return None
    return "the path has no parameter to point at an unknown resource, and neither its query nor its body names one"


def _expect(ctx, exchange, default: int, situation: str, *, about_body: bool = True) -> str | None:
    """The probe's answer has the rule's status (params.status, else the document's default)."""
    refused(exchange, about_body=about_body)
    expected = ctx.params.get("status", default)
    got = exchange.response.status
    return None if got == expected else f"Expected {expected} for {situation}, got {got}."


@check("errors.not-found", probes=["unknown-id"], only_probes=["unknown-id"], applies=_has_path_parameter,
       params=status_schema(), needs_credential=True)
def not_found(ctx, exchange):
    name = resource_names(ctx.operation)[-1]
    known = ctx.reached_values.get(name)
    if not (known is not None and known.names_a_resource) and not looks_like_an_id(name):
        raise Skip(f"the path parameter '{name}' is not known to name a resource (no value for it was listed, "
                   "created or given, and its name is not an id's): the document promises 404 for resources only")
    status = exchange.response.status
    if not ctx.reached and status != ctx.params.get("status", 404) and status in {
            e.response.status for e in ctx.exchanges("generated")
            if e.response is not None and e.credential == "valid" and e.target != "unknown" and not e.invented}:
        raise Skip(f"the operation was never reached, and the unknown id got {status}, the answer a known {name} got "
                   "too: the API answered before it looked at the id")
    return _expect(ctx, exchange, 404, f"an unknown resource ({exchange.note})", about_body=False)


def _has_object_body(ctx) -> str | None:
    schema = ctx.operation.body_schema
    if schema is None:
        return "the operation takes no request body"
    if ctx.operation.invalid_body() is None:
        return "the request body schema has no constraint that an invalid body could break"
    return None


@check("errors.invalid-input", probes=["invalid-body"], only_probes=["invalid-body"], applies=_has_object_body,
       params=status_schema(), needs_credential=True)
def invalid_input(ctx, exchange):
    return _expect(ctx, exchange, 422, f"a body that breaks the schema ({exchange.note})")


def _has_body(ctx) -> str | None:
    return None if ctx.operation.body_schema is not None else "the operation takes no request body"


@check("errors.malformed-json", probes=["malformed-json"], only_probes=["malformed-json"], applies=_has_body, needs_credential=True,
       params={"type": "object", "properties": {"status": {"type": "integer"}, "code": {"type": "integer"}}})
def malformed_json(ctx, exchange):
    refused(exchange)
    expected = ctx.params.get("status")  # none: any 4xx refuses it
    got = exchange.response.status
    if expected is None and not 400 <= got < 500:
        return f"Expected a 4xx for a body that is not valid JSON, got {got}."
    if expected is not None and got != expected:
        return f"Expected {expected} for a body that is not valid JSON, got {got}."
    code = ctx.params.get("code")
    if code is None:
        return None
    body = exchange.response.json_or_none()
    codes = [e.get("code") for e in (body or {}).get("errors", []) if isinstance(e, dict)] if isinstance(body, dict) else []
    if code not in codes:
        return f"Expected error code {code} for a body that is not valid JSON, got codes {codes or 'none'}."
    return None
