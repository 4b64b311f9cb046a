"""Valid request bodies for writes the suite makes on purpose (creating a resource, a PUT that leaves a field
out, a PATCH of one field): built from the spec's examples, readable made-up values and what schemathesis
generated, and checked against the body schema. Pure functions; no HTTP."""

from __future__ import annotations

import copy
import fnmatch
import random
from typing import Any, Iterator

import jsonschema

from .models import Skip

VOLATILE_FIELDS = ("*_at", "*updated*", "*modified*")
# Fields whose value usually has to be unique among the resources of a collection.
IDENTIFYING_FIELDS = ("name", "key", "slug", "code", "title", "email", "username", "login", "handle", "label")
NAMING_FIELDS = ("name", "title", "slug", "label", "key")  # an optional one an API may want all the same (the
# first of them: a TSIG key's "key" is its secret, not a name)


def is_volatile(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name.lower(), pattern) for pattern in VOLATILE_FIELDS)


def is_empty(value: Any) -> bool:
    return value in ([], {}, "", 0, False)


def valid_for(value: Any, schema: Any) -> bool:
    """Does the value fit an OpenAPI property schema (3.0 nullable understood; formats not checked)?"""
    if not isinstance(schema, dict):
        return True
    if value is None:
        return bool(schema.get("nullable")) or schema.get("type") == "null"
    try:
        return jsonschema.Draft4Validator(schema).is_valid(value)
    except Exception:  # a schema jsonschema cannot read: trust only generated values
        return False


# Readable values for fields whose name says what standard their values follow (ISO 4217, 3166, 639; IANA).
CONVENTIONAL = {"currency": ["usd", "USD", "EUR"], "currency_code": ["USD", "usd"], "country": ["US", "us"],
                "country_code": ["US"], "language": ["en"], "locale": ["en-US", "en"], "timezone": ["UTC"],
                "time_zone": ["UTC"]}


def conventional(name: str, schema: dict[str, Any]) -> Any:
    """The readable value a standard gives a field of this name (``currency``: ``usd``) that fits its schema,
    or None."""
    if schema.get("type") not in ("string", None):
        return None
    return next((v for v in CONVENTIONAL.get(name.lower(), []) if valid_for(v, schema)), None)


def _synthesised(schema: dict[str, Any]) -> list[Any]:
    if "format" in schema or "enum" in schema:
        return list(schema.get("enum", []))
    kind = schema.get("type")
    if kind == "string":
        return ["Conformance", "Conformance check", "conformance", "c"]
    if kind == "integer":
        return [1, 2, 3, 7]
    if kind == "number":
        return [1.5, 2.5, 3]
    if kind == "boolean":
        return [True, False]
    return []


def _examples(schema: dict[str, Any]) -> list[Any]:
    out = [schema[key] for key in ("example", "default", "const") if key in schema]
    if isinstance(schema.get("examples"), list):
        out += schema["examples"]
    return out


def _bodies(generated: Any) -> list[dict[str, Any]]:
    """Generated bodies, drawn only when asked for: ``generated`` may be the list or what draws it."""
    return generated() if callable(generated) else generated


def iter_candidates(name: str, schema: dict[str, Any], generated: Any) -> Iterator[Any]:
    """Values that fit the property: readable made-up ones first, then the spec's examples, then those the
    generator produced (drawn only if the first ones are not enough)."""
    out: list[Any] = []
    named = [conventional(name, schema)] if conventional(name, schema) is not None else []
    for value in named + _synthesised(schema) + _examples(schema):
        if value is not None and value not in out and valid_for(value, schema):
            out.append(value)
            yield value
    for body in _bodies(generated):
        value = body.get(name) if isinstance(body, dict) else None
        if value is not None and value not in out and valid_for(value, schema):
            out.append(value)
            yield value


def candidates(name: str, schema: dict[str, Any], generated: Any) -> list[Any]:
    return list(iter_candidates(name, schema, generated))


def as_sent(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of what a client sends: readOnly properties are neither required nor expected (OpenAPI: they
    are in responses only), and 3.0's nullable is left to valid_for."""
    out = {k: v for k, v in schema.items() if k != "nullable"}
    properties = schema.get("properties") or {}
    read_only = {n for n, p in properties.items() if isinstance(p, dict) and p.get("readOnly")}
    if read_only:
        out["properties"] = {n: p for n, p in properties.items() if n not in read_only}
        out["required"] = [n for n in schema.get("required", []) if n not in read_only]
    return out


def object_schema(schema: Any, label: str) -> dict[str, Any]:
    if not isinstance(schema, dict) or not (schema.get("type") == "object" or "properties" in schema):
        raise Skip(f"{label} takes no JSON object body: the suite cannot build one")
    return schema


def writable(schema: dict[str, Any], skip: set[str]) -> dict[str, dict[str, Any]]:
    """The properties a client may send, credential fields (``skip``) and readOnly ones left out."""
    return {name: prop if isinstance(prop, dict) else {} for name, prop in (schema.get("properties") or {}).items()
            if name not in skip and not (isinstance(prop, dict) and prop.get("readOnly"))}


def settable(name: str) -> bool:
    """An optional field the sequences may choose to set or change: not an id, not a timestamp."""
    return name.lower() not in ("id", "uuid", "_id") and not is_volatile(name)


def creation_body(schema: Any, label: str, generated: Any, skip: set[str], *,
                  with_optional: bool) -> tuple[dict[str, Any], str | None]:
    """A valid body for a POST: its required fields and, when asked, one optional field set (not null).
    ``generated`` (bodies schemathesis drew, or what draws them) is used only where made-up values and the
    spec's examples do not make a valid body: drawing them costs far more than all the rest."""
    schema = object_schema(schema, label)
    properties = writable(schema, skip)
    required = [n for n in schema.get("required", []) if n in properties]
    body: dict[str, Any] = {}
    for name in required:
        value = next(iter_candidates(name, properties[name], generated), None)
        if value is None:
            break
        body[name] = value
    optional = None
    if with_optional:
        for name, prop in properties.items():
            if name in required or not settable(name):
                continue
            # A value a resource may get by default ([], "", 0) would not show whether a PUT kept it.
            value = next((v for v in iter_candidates(name, prop, generated) if not is_empty(v)), None)
            if value is not None:
                body[name], optional = value, name
                break
    if not valid_for(body, as_sent(schema)) or any(n not in body for n in required):
        # Fall back on what the generator produced (valid by construction), minus credential fields.
        generated = _bodies(generated)
        fallback = next((b for b in generated if not with_optional or any(
            k not in required and k in properties and b.get(k) is not None for k in b)), None)
        fallback = fallback or (generated[0] if generated else None)
        if fallback is None:
            raise Skip(f"no valid body for {label} could be built from the spec")
        body = {k: copy.deepcopy(v) for k, v in fallback.items() if k not in skip}
        optional = next((k for k in body if k not in required and k in properties and body[k] is not None
                         and not is_empty(body[k]) and settable(k)), None)
    return body, optional


def example_body(schema: Any, media: dict[str, Any], skip: set[str]) -> dict[str, Any] | None:
    """The request body's own example (media type ``example`` / ``examples``, or the schema's), when it is a
    JSON object that fits the schema."""
    found: list[Any] = []
    if "example" in media:
        found.append(media["example"])
    for example in (media.get("examples") or {}).values():
        if isinstance(example, dict) and "value" in example:
            found.append(example["value"])
    if isinstance(schema, dict):
        found += _examples(schema)
    for value in found:
        if isinstance(value, dict) and value and valid_for(value, as_sent(schema) if isinstance(schema, dict) else schema):
            return {k: copy.deepcopy(v) for k, v in value.items() if k not in skip}
    return None


def distinct(body: dict[str, Any], schema: Any, rng: random.Random) -> dict[str, Any]:
    """The body with its identifying string fields (name, key, slug, ...) made unique to this run, where the
    schema still accepts the new value: a second resource of the same name is often refused (409)."""
    properties = (schema or {}).get("properties") or {} if isinstance(schema, dict) else {}
    out = dict(body)
    tag = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    for name, value in body.items():
        if not isinstance(value, str) or (name.lower() not in IDENTIFYING_FIELDS and name.lower() != "id"):
            continue  # (a string id in a body that creates is chosen by the client: Flextype's {"id": "movies/..."})
        for variant in (f"conformance-{tag}-{value}", f"conformance{tag}{value}", f"{value}{tag}"):
            if valid_for(variant, properties.get(name, {})):
                out[name] = variant
                break
    return out if valid_for(out, as_sent(schema) if isinstance(schema, dict) else schema) else body


def like(template: dict[str, Any], schema: Any, skip: set[str], rng: random.Random) -> dict[str, Any] | None:
    """A body modelled on a resource the API listed: its identifying fields (made unique) and its fields with
    an enumerated or required value, where the schema lets them be sent. None when nothing fits."""
    if not isinstance(schema, dict) or not isinstance(template, dict):
        return None
    properties = writable(schema, skip)
    required = set(schema.get("required", []))
    body: dict[str, Any] = {}
    for name, prop in properties.items():
        if name not in template or template[name] is None or not settable(name):
            continue
        value = template[name]
        wanted = (name.lower() in IDENTIFYING_FIELDS and isinstance(value, str)) or "enum" in prop or name in required
        if wanted and valid_for(value, prop):
            body[name] = copy.deepcopy(value)
    if not body or any(name not in body for name in required if name in properties):
        return None
    body = distinct(body, schema, rng)
    return body if valid_for(body, as_sent(schema)) else None
