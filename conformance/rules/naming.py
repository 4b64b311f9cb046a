"""naming: static checks of the spec's paths, before any request; and the case of the attribute names of JSON bodies."""

from __future__ import annotations

import json
import re
from typing import Any

import inflection

from ..spec import resolve
from .registry import IGNORE, check

VERSION = re.compile(r"^v\d+(\.\d+)*$")


def is_plural(word: str) -> bool:
    # Compound segments (feature-flags, line_items) are plural when their last word is.
    last = re.split(r"[-_.]", word)[-1].lower()
    if not last.isalpha():
        return True  # not a word (ids, versions): nothing to judge
    return inflection.pluralize(last) == last  # "users", "data", "series"; not "user", "status"


def resource_segments(path: str, ignore: set[str], spec_paths: set[str] | None = None,
                      methods: dict[str, set[str]] | None = None) -> list[str]:
    """The segments that name a resource: a collection followed by an item parameter somewhere in the spec
    (/users in /users/{id}), or the last segment of a path that can be read (GET). Namespaces (/v1/treasury/...),
    actions after an item (POST /charges/{id}/capture) and file names (spec.yaml) name no resource."""
    segments = [s for s in path.rstrip("/").split("/") if s]
    prefixes = ["/" + "/".join(segments[:i + 1]) for i in range(len(segments))]
    known = {p.rstrip("/") for p in (spec_paths or {path})}
    out = []
    for index, segment in enumerate(segments):
        if segment.startswith("{") or segment.lower() in ignore or VERSION.match(segment) or "." in segment:
            continue
        prefix = prefixes[index]
        followed_by_item = any(p.startswith(prefix + "/{") for p in known)
        last_and_read = index == len(segments) - 1 and (methods is None or "GET" in methods.get(prefix, {"GET"}))
        if followed_by_item or last_and_read:
            out.append(segment)
    return out


def serves_the_spec(ctx) -> bool:
    """The operation that serves the OpenAPI description itself (DRF's GET /api/schema/) names no resource."""
    return ctx.operation.serves_the_description(getattr(ctx.settings, "spec", None) or "", ctx.settings.url)


def is_singleton(path: str, spec_paths: set[str], definition: dict[str, Any], root: dict[str, Any]) -> bool:
    """Is the path's last segment a singleton (``/me``, ``/status``): no item below it in the spec, and its answer
    is not documented as a list."""
    prefix = path.rstrip("/")
    if any(p.startswith(prefix + "/{") for p in spec_paths):
        return False
    for status, response in (definition.get("responses") or {}).items():
        if str(status).startswith("2") and isinstance(response, dict):
            for media in (resolve(response, root).get("content") or {}).values():
                schema = resolve((media or {}).get("schema") or {}, root)
                if isinstance(schema, dict) and schema.get("type") == "array":
                    return False
    return True


@check("naming.plural-resources", kind="static",
       params={"type": "object", "properties": {
           "ignore_segments": {"type": "array", "items": {"type": "string"}},
           "singletons": {"type": "boolean", "description": "the document excuses a singleton (a resource the "
                          "system has one of: /me, /status): a last segment with no item below it and no list"}}})
def plural_resources(ctx):
    if serves_the_spec(ctx):
        return
    ignore = {s.lower() for s in ctx.params.get("ignore_segments", [])}
    methods = {path.rstrip("/"): set(ms) for path, ms in ctx.operation.methods_by_path.items()}
    last = ctx.operation.path.rstrip("/").rsplit("/", 1)[-1]
    singleton = ctx.params.get("singletons") and is_singleton(ctx.operation.path, ctx.operation.spec_paths,
                                                              ctx.operation.definition, ctx.operation.root)
    for segment in resource_segments(ctx.operation.path, ignore, ctx.operation.spec_paths, methods):
        if singleton and segment == last:
            continue
        if not is_plural(segment):
            plural = inflection.pluralize(segment)
            yield (f"The path segment '{segment}' in {ctx.operation.path} is not plural; the document says all "
                   f"resources are plural (e.g. '{plural}'). If it is not a resource, add it to ignore_segments.")


def _is_item(ctx) -> str | None:
    return None if ctx.operation.path.rstrip("/").endswith("}") else "the path does not end with an item parameter"


@check("naming.item-under-collection", kind="static", applies=_is_item)
def item_under_collection(ctx):
    parent = ctx.operation.path.rstrip("/").rsplit("/", 1)[0] or "/"
    if parent not in {p.rstrip("/") or "/" for p in ctx.operation.spec_paths}:
        yield (f"{ctx.operation.path} is an item but its collection {parent} is not in the spec; "
               f"expected e.g. GET {parent} beside GET {ctx.operation.path}.")


# -- lower case: paths (the spec) and attribute names (the JSON bodies) ------------------------------------
SEPARATORS = {"_": "underscore", "-": "dash"}
CASE_PARAMS = {"type": "object", "properties": {
    "separator": {"enum": ["_", "-", None], "description": "the one character that separates words (none: any)"},
    "ignore": {"type": "array", "items": {"type": "string"},
               "description": "path segments or field names the rule does not judge"}}}


def case_problem(name: str, separator: str | None) -> str | None:
    """What is wrong with a name the document says is downcased (and, with ``separator``, separated by it): None
    where nothing is. A leading marker (_links, @id, $ref) is not a word separator."""
    word = name.lstrip("_@$")
    if word != word.lower():
        return "is not lower-case"
    other = {"_": "-", "-": "_"}.get(separator or "")
    if other and other in word:
        return f"separates words with '{other}', not '{separator}'"
    return None


def suggestion(name: str, separator: str | None) -> str:
    lead = name[:len(name) - len(name.lstrip("_@$"))]
    word = inflection.underscore(name[len(lead):])
    return lead + (word.replace("_", "-") if separator == "-" else word)


def _spoken(separator: str | None) -> str:
    return f"downcased and {SEPARATORS[separator]}-separated" if separator else "downcased"


@check("naming.lower-case-paths", kind="static", params=CASE_PARAMS)
def lower_case_paths(ctx):
    """The static segments of the spec's path (a parameter's name and a file name are not judged)."""
    if serves_the_spec(ctx):
        return
    separator = ctx.params.get("separator")
    ignore = {s.lower() for s in ctx.params.get("ignore", [])}
    for segment in ctx.operation.path.split("/"):
        static = re.sub(r"\{[^}]*\}", "", segment)
        if not static or "." in static or segment.lower() in ignore:
            continue
        problem = case_problem(static, separator)
        if problem:
            yield (f"The path segment '{segment}' in {ctx.operation.path} {problem}; the document says path names are "
                   f"{_spoken(separator)} (e.g. '{suggestion(static, separator)}').")


def _object_schema(schema: Any, root: dict[str, Any]) -> dict[str, Any] | None:
    """An object schema with its allOf/oneOf/anyOf parts' properties gathered, $refs inlined."""
    schema = resolve(schema, root) if isinstance(schema, dict) else None
    if not isinstance(schema, dict):
        return None
    merged = {**schema, "properties": dict(schema.get("properties") or {})}
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key) or []:
            part = _object_schema(part, root) or {}
            merged["properties"].update(part.get("properties") or {})
            for name in ("additionalProperties", "patternProperties", "items"):
                merged.setdefault(name, part.get(name))
    return merged


def _is_map(schema: dict[str, Any] | None) -> bool:
    """A schema whose keys are data (a map of ids, of labels), not attribute names."""
    if schema is None:
        return False
    extra = schema.get("additionalProperties")
    return bool(schema.get("patternProperties")) or (bool(extra) and not schema.get("properties"))


# An attribute name a designer chose reads as an identifier; a key of control characters or spaces is data a
# client wrote (json-server keeps whatever fields a POST carried, earlier runs' fuzzing included).
NAME_LIKE = re.compile(r"^[A-Za-z_$@][A-Za-z0-9_.$@-]*$")


def field_names(body: Any, schema: Any, root: dict[str, Any], skip: set[str]) -> list[str]:
    """The attribute names of a JSON body, at any depth: not the keys of a map the spec describes as one, nor a
    name the suite itself sent (an echo of its own request), nor a key no designer would name a field (data)."""
    found: list[str] = []
    resolved = _object_schema(schema, root)
    if isinstance(body, dict):
        keyed = _is_map(resolved)
        for key, value in body.items():
            if not keyed and key not in skip and key not in found and NAME_LIKE.match(key):
                found.append(key)
            props = (resolved or {}).get("properties") or {}
            inner = (resolved or {}).get("additionalProperties") if keyed else props.get(key)
            found += [k for k in field_names(value, inner if isinstance(inner, dict) else None, root, skip)
                      if k not in found]
    elif isinstance(body, list):
        inner = (resolved or {}).get("items")
        for item in body:
            found += [k for k in field_names(item, inner if isinstance(inner, dict) else None, root, skip)
                      if k not in found]
    return found


def _response_schema(operation: Any, status: int) -> Any:
    responses = operation.definition.get("responses") or {}
    response = responses.get(str(status)) or responses.get(f"{status // 100}XX") or responses.get("default")
    response = resolve(response, operation.root) if isinstance(response, dict) else {}
    for media, content in (response.get("content") or {}).items():
        if "json" in media and isinstance(content, dict):
            return content.get("schema")
    return response.get("schema")


def _sent_names(exchange: Any) -> set[str]:
    sent: list[Any] = list(exchange.written)
    try:
        sent.append(json.loads(exchange.request.body or b"null"))
    except ValueError:
        pass
    return {k for body in sent for k in field_names(body, None, {}, set())}


@check("naming.lower-case-attributes", params=CASE_PARAMS)
def lower_case_attributes(ctx, exchange):
    """The field names of every JSON body the API answers with."""
    response = exchange.response
    if exchange.request.method == "HEAD" or not response.media_type.endswith("json") or not response.body.strip():
        return IGNORE
    body = response.json_or_none()
    if not isinstance(body, (dict, list)) or serves_the_spec(ctx):
        return IGNORE
    separator = ctx.params.get("separator")
    skip = _sent_names(exchange) | set(ctx.params.get("ignore", []))
    names = field_names(body, _response_schema(ctx.operation, response.status), ctx.operation.root, skip)
    wrong = [(name, problem) for name in names if (problem := case_problem(name, separator))]
    if not wrong:
        return None
    if len(wrong) == 1:
        which = f"the field '{wrong[0][0]}' {wrong[0][1]}"
    else:
        more = f" (and {len(wrong) - 3} more)" if len(wrong) > 3 else ""
        which = f"the fields {', '.join(repr(name) for name, _ in wrong[:3])}{more} are not {_spoken(separator)}"
    return (f"In a {response.status} JSON body {which}; the document says attribute names are {_spoken(separator)} "
            f"(e.g. '{suggestion(wrong[0][0], separator)}').")
