"""Path parameters and ids: where a path names a resource, and where its id sits in what the API answered (a
listing, a created resource, its ``Location``), in what the spec shows (examples, defaults) or in what was sent.
Pure functions: no request, no state."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema

from ..models import Exchange

PARAMETER = re.compile(r"\{([^}]+)\}")
ENVELOPES = ("data", "items", "results", "records", "content", "entries", "values", "objects", "rows", "list",
             "collection", "resources", "elements")


# -- paths ----------------------------------------------------------------------------------------
def path_parameters(path: str) -> list[str]:
    return PARAMETER.findall(path)


def collection_of(path: str, name: str) -> str:
    """The path up to the segment that holds ``{name}``: where the resources it names are listed."""
    head = path.split("{" + name + "}", 1)[0]
    return head.rsplit("/", 1)[0] or "/"


def unknown_value(schema: dict[str, Any]) -> Any:
    """An id of the right type that no API has issued."""
    kind = schema.get("type")
    if kind in ("integer", "number"):
        return 987654321
    if schema.get("format") == "uuid":
        return str(uuid.UUID(int=0xC0FFEE))
    return "conformance-unknown-0c0ffee"


# -- reading ids out of answers ---------------------------------------------------------------------
def items_of(body: Any) -> list[Any]:
    """The resources of a listing: a bare list, a list under a common envelope key (one level of nesting
    under ``data`` too), or the only list of objects in the body."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        return []
    for key in ENVELOPES:
        value = body.get(key)
        if isinstance(value, list):
            return value
        if key == "data" and isinstance(value, dict):
            inner = items_of({k: v for k, v in value.items()})
            if inner:
                return inner
    lists = [value for value in body.values()
             if isinstance(value, list) and value and all(isinstance(item, dict) for item in value)]
    return lists[0] if len(lists) == 1 else []


def resource_of(body: Any) -> Any:
    """The resource in a body: the body itself, or its ``data`` envelope."""
    if isinstance(body, dict) and "id" not in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.split(r"[_\-.]|(?<=[a-z0-9])(?=[A-Z])", name) if w]


ID_WORDS = ("id", "key", "uuid", "slug", "name", "code")


def looks_like_an_id(name: str) -> bool:
    """A parameter named like the id of a resource (id, key, uuid, slug, name, code, or ending in one)."""
    words = _words(name)
    return bool(words) and words[-1] in ID_WORDS


def id_keys(name: str) -> list[str]:
    """The keys an item may hold the value of path parameter ``name`` under, best first: the parameter's own
    name (as is, snake_case, camelCase), then the bare word it ends with (``flagKey`` -> ``key``), then
    ``<stem>_id``/``<stem>Id``, then the usual identifying keys."""
    words = _words(name)
    suffix = words[-1] if len(words) > 1 and words[-1] in ID_WORDS else None
    stem = words[:-1] if suffix else words
    stem_snake = "_".join(stem)
    stem_camel = stem[0] + "".join(w.title() for w in stem[1:]) if stem else ""
    keys = [name, "_".join(words), words[0] + "".join(w.title() for w in words[1:]) if words else name]
    if suffix:
        keys.append(suffix)
    if not (len(words) == 1 and words[0] in ID_WORDS):
        keys += [f"{stem_snake}_id", f"{stem_camel}Id"]
    keys += ["id", "uuid", "_id", "key", "slug", "name", "code", "path"]
    return list(dict.fromkeys(k for k in keys if k))


def fits(value: Any, schema: dict[str, Any]) -> Any:
    """The value as the parameter takes it (a digit string for an integer parameter becomes an int), or None
    when it does not fit the parameter's schema."""
    if value is None or isinstance(value, (dict, list, bool)) or value == "":
        return None
    kind = schema.get("type")
    if kind == "integer" and isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if kind == "string" and isinstance(value, (int, float)):
        value = str(value)
    try:
        checkable = {k: v for k, v in schema.items() if k in ("type", "enum", "pattern", "minimum", "maximum",
                                                               "minLength", "maxLength", "const")}
        if checkable and not jsonschema.Draft4Validator(checkable).is_valid(value):
            return None
    except Exception:
        pass
    return value


def value_in(item: Any, name: str, schema: dict[str, Any]) -> Any:
    """The value of path parameter ``name`` in one listed item (a scalar item is its own value)."""
    if not isinstance(item, dict):
        return fits(item, schema)
    for key in id_keys(name):
        if key in item:
            value = fits(item[key], schema)
            if value is not None:
                return value
    return None


def spec_value(operation: Any, name: str) -> tuple[Any, str] | None:
    """The parameter's example (or its schema's example, default, first enum value, const) and which."""
    for parameter in operation.parameters:
        if parameter.get("in") != "path" or parameter.get("name") != name:
            continue
        schema = parameter.get("schema") or parameter
        found: list[tuple[Any, str]] = []
        for key, what in (("example", "example"), ("x-example", "example")):
            if key in parameter:
                found.append((parameter[key], what))
        for example in (parameter.get("examples") or {}).values():
            if isinstance(example, dict) and "value" in example:
                found.append((example["value"], "example"))
        for key, what in (("example", "example"), ("default", "default"), ("const", "const")):
            if key in schema:
                found.append((schema[key], what))
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            found.append((schema["examples"][0], "example"))
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            found.append((schema["enum"][0], "enum"))
        for value, what in found:
            value = fits(value, schema)
            if value is not None:
                return value, what
    return None


def created_id(exchange: Exchange, names: list[str], sent: Any = None) -> dict[str, Any]:
    """The path values of a resource a POST created: from the answer's body (the resource, or its ``data``
    envelope), else from what was sent (a key the client chose), else from the ``Location`` header."""
    response = exchange.response
    if response is None:
        return {}
    found: dict[str, Any] = {}
    resource = resource_of(response.json_or_none())
    for name in names:
        value = value_in(resource, name, {}) if isinstance(resource, dict) else None
        if value is None and isinstance(sent, dict):
            value = next((sent[k] for k in id_keys(name)[:5] if k in sent and fits(sent[k], {}) is not None), None)
        if value is not None:
            found[name] = value
    location = response.header("location")
    if location and len(found) < len(names):
        segment = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
        if segment and names[-1] not in found:
            found[names[-1]] = unquote(segment)
    return found


def sent_json(exchange: Exchange) -> Any:
    """The JSON body a request carried, or None."""
    try:
        return json.loads(exchange.request.body or b"")
    except ValueError:
        return None
