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

from ..forms import FORM, decode_form
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


# -- identifiers outside the path -------------------------------------------------------------------
# An operation whose path names no resource of its own (/api/entries) may name one in its query
# (GET /api/entries?id=movies/amelie) or in its JSON body (PATCH /api/entries {"id": "movies/amelie", ...}).
PLACES = ("path", "query", "body")
ONE_WORD_IDS = ("id", "uuid", "slug", "key")
WRITES = ("PUT", "PATCH", "DELETE")


def names_a_resource(name: str) -> bool:
    """A query parameter or body field named like the id of a resource: ``id``, ``uuid``, ``slug``, ``key``, or
    ``<name>_id``/``<name>Id``/``<name>_uuid`` (not ``name`` or ``code``: those are often filters or data)."""
    words = _words(name)
    if len(words) == 1:
        return words[0] in ONE_WORD_IDS
    return bool(words) and words[-1] in ("id", "uuid")


def _credential_names(root: dict[str, Any]) -> set[str]:
    schemes = ((root.get("components") or {}).get("securitySchemes") or root.get("securityDefinitions") or {})
    return {str(s.get("name")) for s in schemes.values() if isinstance(s, dict) and s.get("type") == "apiKey"}


def linked_parameters(root: dict[str, Any]) -> dict[str, list[tuple[str | None, str, str, str, str]]]:
    """The OpenAPI ``links`` of the spec, by the operationId they lead to: (place or None, parameter, the
    runtime expression, the link's name, the status whose answer carries it) for each parameter a link fills."""
    kept = _LINKS.get(id(root))  # computed once per document (kept beside it, not in it)
    if kept is not None and kept[0] is root:
        return kept[1]
    out: dict[str, list[tuple[str | None, str, str, str, str]]] = {}
    for item in (root.get("paths") or {}).values():
        for method, definition in (item or {}).items():
            if not isinstance(definition, dict):
                continue
            for status, response in (definition.get("responses") or {}).items():
                links = response.get("links") if isinstance(response, dict) else None
                for link_name, link in (links or {}).items():
                    if not isinstance(link, dict) or not link.get("operationId"):
                        continue
                    for key, expression in (link.get("parameters") or {}).items():
                        place, _, name = str(key).rpartition(".")
                        out.setdefault(str(link["operationId"]), []).append(
                            (place or None, name, str(expression), str(link_name), str(status)))
    _LINKS[id(root)] = (root, out)
    return out


_LINKS: dict[int, tuple[dict[str, Any], dict[str, list]]] = {}


def links_into(operation: Any) -> list[tuple[str | None, str, str, str, str]]:
    """The links that lead to this operation (see linked_parameters)."""
    root = operation.root
    kept = _LINKS.get(id(root))
    links = kept[1] if kept is not None and kept[0] is root else linked_parameters(root)
    return links.get(str(operation.definition.get("operationId") or ""), [])


def identifiers(operation: Any) -> list[tuple[str, str]]:
    """The (place, name) of the query parameters and body fields that name the resource an operation acts on,
    where its path names none of its own: a query parameter named like an id (``id``, ``<name>_id``, ``slug``,
    ``key``, ...) that is required or on a PUT, PATCH or DELETE, or one the spec ties to a resource (an OpenAPI
    link fills it, or its schema is a uuid); else, on a PUT, PATCH or DELETE, the JSON body field named like an
    id (``id`` first). Parents first, the resource's own id last. Empty for an item path (/users/{id})."""
    cached = operation.__dict__.get("_conformance_identifiers")
    if cached is not None:
        return cached
    found: list[tuple[str, str]] = []
    if not operation.path.rstrip("/").endswith("}"):
        credentials = _credential_names(operation.root)
        linked = {(place, name) for place, name, *_ in links_into(operation)}
        method = operation.method
        for name, parameter in operation.query_parameters.items():
            if name in credentials:
                continue
            schema = parameter.get("schema") or parameter
            tied = ("query", name) in linked or (None, name) in linked or schema.get("format") == "uuid"
            if tied or (names_a_resource(name) and (parameter.get("required") or method in WRITES)):
                found.append(("query", name))
        schema = operation.written_body.schema if operation.written_body is not None else None
        if not found and method in WRITES and isinstance(schema, dict):
            fields = [n for n in (schema.get("properties") or {}) if n not in credentials]
            named = [n for n in fields if ("body", n) in linked] or [n for n in fields if names_a_resource(n)]
            if named:
                found.append(("body", min(named, key=lambda n: (n.lower() != "id", n not in schema.get("required", [])))))
        found.sort(key=lambda pn: len(_words(pn[1])) == 1)  # <parent>_id before the bare id
    operation.__dict__["_conformance_identifiers"] = found
    return found


def resource_names(operation: Any) -> list[str]:
    """Every identifier of the operation, in order: its path parameters, then those in its query or body."""
    return path_parameters(operation.path) + [name for _, name in identifiers(operation)]


def acts_on_its_parent(operation: Any) -> bool:
    """Is this POST an action on the resource its path names (Stripe's POST /v1/charges/{charge}/capture,
    Jupyter's POST /api/kernels/{kernel_id}/restart) rather than a creation in a collection? Its path ends in a
    fixed segment after a parameter, not a plural noun (/customers/{customer}/notes is a collection), and nothing
    reads it or lies under it: no GET on it, no path below it."""
    path = operation.path.rstrip("/")
    last = path.rsplit("/", 1)[-1].lower()
    if operation.method != "POST" or path.endswith("}") or not path_parameters(path) \
            or (last.endswith("s") and not last.endswith(("ss", "us"))):
        return False
    if "GET" in operation.methods_by_path.get(operation.path, []):
        return False
    return not any(other.rstrip("/").startswith(path + "/") for other in operation.spec_paths)


def place_of(operation: Any, name: str) -> str:
    return next((place for place, n in identifiers(operation) if n == name), "path")


def collection_for(operation: Any, name: str) -> str:
    """Where the resources an identifier names are listed and created: for a path parameter the path up to it,
    for one in the query or body the operation's own path (/api/entries for GET /api/entries?id=...)."""
    if place_of(operation, name) != "path":
        return operation.path.rstrip("/") or "/"
    return collection_of(operation.path, name)


def parameter_schema(operation: Any, name: str) -> dict[str, Any]:
    """The schema of an identifier, wherever it travels."""
    place = place_of(operation, name)
    if place == "path":
        return operation.path_parameter_schema(name)
    if place == "query":
        parameter = operation.query_parameters.get(name) or {}
        return parameter.get("schema") or {k: v for k, v in parameter.items() if k in ("type", "format")}
    schema = (operation.written_body.schema if operation.written_body is not None else None) or {}
    prop = (schema.get("properties") or {}).get(name) if isinstance(schema, dict) else None
    return prop if isinstance(prop, dict) else {}


def link_value(expression: str, body: Any) -> Any:
    """The value a link's runtime expression takes from an answer: ``$response.body#/json/pointer`` (or the
    whole body); None for any other expression."""
    if not expression.startswith("$response.body"):
        return None
    pointer = expression[len("$response.body"):].lstrip("#")
    value = body
    for part in [p for p in pointer.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


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
    """The parameter's example (or its schema's example, default, first enum value, const) and which; for an
    identifier in the body, its field's."""
    place = place_of(operation, name)
    if place == "body":
        schema = parameter_schema(operation, name)
        example = (operation.body_media or {}).get("example")
        found = [(example[name], "example")] if isinstance(example, dict) and name in example else []
        found += [(schema[key], key) for key in ("example", "default", "const") if key in schema]
        return next(((fits(v, schema), w) for v, w in found if fits(v, schema) is not None), None)
    for parameter in operation.parameters:
        if parameter.get("in") != place or parameter.get("name") != name:
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


def renamed_to(operation: Any, exchange: Exchange) -> tuple[str, Any] | None:
    """Where a PUT or PATCH was answered with its resource under another id than the one its path sent (PowerDNS
    knows a TSIG key by its name: a PUT that changes the name changes the id): the path parameter and the new id."""
    names = path_parameters(operation.path)
    sent = exchange.values.get(names[-1]) if names and exchange.ok else None
    resource = resource_of(exchange.response.json_or_none()) if sent is not None else None
    new = value_in(resource, names[-1], parameter_schema(operation, names[-1])) if isinstance(resource, dict) else None
    return (names[-1], new) if new is not None and str(new) != str(sent.value) else None


def sent_json(exchange: Exchange) -> Any:
    """The body a request carried, as JSON or as a URL-encoded form's top-level fields; None for any other."""
    media = next((v for k, v in exchange.request.headers.items() if k.lower() == "content-type"), "")
    if FORM in media.lower():
        return decode_form(exchange.request.body)
    try:
        return json.loads(exchange.request.body or b"")
    except ValueError:
        return None
