"""Load the OpenAPI description (through schemathesis) and describe its operations.

The raw document is read here first so that every way it can be wrong gets one plain sentence;
schemathesis then builds the operations that generate requests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import requests
import schemathesis
import yaml
from schemathesis.core.result import Ok

from .errors import SpecError, TargetError
from .forms import FORM, MULTIPART, WrittenBody

DISCOVERY_PATHS = ("/openapi.json", "/openapi.yaml", "/swagger.json", "/docs/openapi.json", "/v3/api-docs",
                   "/api/openapi.json", "/openapi/v1.json", "/swagger/v1/swagger.json", "/api-docs", "/spec.json")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def parse_document(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"The spec {where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        raise SpecError(f"The spec {where} is neither JSON nor valid YAML{line}: {getattr(exc, 'problem', exc)}.") from None
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        raise SpecError(f"The spec {where} is not an OpenAPI description: it has no 'openapi' or 'swagger' field.")
    if not isinstance(data.get("paths"), dict) or not data["paths"]:
        raise SpecError(f"The spec {where} describes no paths: add operations under 'paths'.")
    return data


def read_spec(location: str, *, timeout: float, session: requests.Session | None = None,
              base_dir: Path | None = None) -> tuple[dict[str, Any], str]:
    """The raw document and where it came from (a path or URL)."""
    if location.startswith(("http://", "https://")):
        try:
            getter = session.get if session is not None else requests.get
            response = getter(location, timeout=timeout,
                              headers={"Accept": "application/json, application/yaml"})
        except requests.RequestException as exc:
            raise SpecError(f"The spec URL {location} cannot be fetched ({type(exc).__name__}): check the URL, "
                            "or pass a local file to --conformance-spec.") from None
        if response.status_code != 200:
            raise SpecError(f"The spec URL {location} answered {response.status_code}: check the URL, or pass a "
                            "local file to --conformance-spec.")
        return parse_document(response.text, location), location
    path = Path(location)
    if base_dir is not None and not path.is_absolute() and not path.exists():
        path = base_dir / path
    if path.is_dir():
        raise SpecError(f"The spec {location} is a directory: give --conformance-spec the OpenAPI file itself "
                        f"(e.g. {location.rstrip('/')}/openapi.yaml).")
    if not path.is_file():
        raise SpecError(f"The spec file {location} does not exist: check the path given to --conformance-spec.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"The spec file {location} cannot be read ({exc}).") from None
    return parse_document(text, str(path)), str(path)


def discover_spec(base_url: str, *, timeout: float, session: requests.Session) -> tuple[dict[str, Any], str]:
    """Look for the description at the usual places on the server."""
    tried = []
    for suffix in DISCOVERY_PATHS:
        url = urljoin(base_url.rstrip("/") + "/", suffix.lstrip("/"))
        tried.append(suffix)
        try:
            response = session.get(url, timeout=timeout, allow_redirects=False)
        except requests.RequestException:
            continue
        if response.status_code == 200:
            try:
                return parse_document(response.text, url), url
            except SpecError:
                continue
    raise SpecError(f"No OpenAPI description found on {base_url} (tried {', '.join(tried)}): pass one with "
                    "--conformance-spec=PATH_OR_URL.")


def _follow(ref: str, root: dict[str, Any], hops: int = 0) -> Any:
    """The node a local $ref ("#/a/b/0") points at, not inlined; SpecError when it points nowhere."""
    target: Any = root
    for part in ref[2:].split("/"):
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict) and part not in target and isinstance(target.get("$ref"), str) \
                and target["$ref"].startswith("#/") and hops < 8:
            target = _follow(target["$ref"], root, hops + 1)  # walks through a $ref: .../schemas/A/properties/b
        if isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]  # e.g. .../schema/allOf/0/properties/...
            continue
        if not isinstance(target, dict) or part not in target:
            raise SpecError(f"The spec has a $ref that points nowhere: {ref}. Fix or remove it.")
        target = target[part]
    return target


def dangling_ref(raw: dict[str, Any]) -> str | None:
    """The first local $ref reachable from the paths that points nowhere, or None."""
    stack: list[Any] = [raw.get("paths")]
    seen: set[str] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
                seen.add(ref)
                try:
                    stack.append(_follow(ref, raw))
                except SpecError:
                    return ref
            stack.extend(value for value in node.values() if isinstance(value, (dict, list)))
        elif isinstance(node, list):
            stack.extend(value for value in node if isinstance(value, (dict, list)))
    return None


def resolve(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """Inline local $refs (bounded depth, so recursive schemas terminate)."""
    if depth > 12:
        return {}
    if isinstance(node, dict):
        if "$ref" in node and isinstance(node["$ref"], str):
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return {}
            return resolve(_follow(ref, root), root, depth + 1)
        return {key: resolve(value, root, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, root, depth + 1) for item in node]
    return node


def _count_properties(schema: Any, depth: int = 0) -> int:
    if depth > 6 or not isinstance(schema, dict):
        return 0
    count = 0
    for prop in (schema.get("properties") or {}).values():
        count += 1 + _count_properties(prop, depth + 1)
    for key in ("items", "additionalProperties"):
        count += _count_properties(schema.get(key), depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            count += _count_properties(sub, depth + 1)
    return count


def _collect_date_formats(schema: Any, out: dict[str, str], depth: int = 0) -> None:
    if depth > 12 or not isinstance(schema, dict):
        return
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get("format") in ("date", "date-time"):
            out[name] = prop["format"]
        _collect_date_formats(prop, out, depth + 1)
    for key in ("items", "additionalProperties"):
        _collect_date_formats(schema.get(key), out, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            _collect_date_formats(sub, out, depth + 1)


# The usual file names an API description is served under.
DESCRIPTION_FILES = frozenset({"openapi.json", "openapi.yaml", "openapi.yml", "swagger.json", "swagger.yaml",
                               "swagger.yml", "spec.json", "spec.yaml", "spec.yml", "api-docs"})


def norm(path: str) -> str:
    """A path template without its trailing slash (/api/articles/ and /api/articles are the same collection)."""
    return path.rstrip("/") or "/"


@dataclass
class Operation:
    """One operation of the spec, with what the rules ask of it."""

    api: Any  # schemathesis APIOperation
    root: dict[str, Any] = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def method(self) -> str:
        return self.api.method.upper()

    @property
    def path(self) -> str:
        return self.api.path

    @cached_property
    def definition(self) -> dict[str, Any]:
        return self.api.definition.raw

    @cached_property
    def protected(self) -> bool:
        security = self.definition.get("security", self.root.get("security"))
        return bool(security) and not any(requirement == {} for requirement in security)

    @cached_property
    def parameters(self) -> list[dict[str, Any]]:
        """The operation's parameters, the path-level ones included, $refs inlined (computed once)."""
        item = self.root.get("paths", {}).get(self.path, {}) or {}
        listed = list(item.get("parameters", []) or []) + list(self.definition.get("parameters", []) or [])
        return [p for p in (resolve(parameter, self.root) for parameter in listed) if isinstance(p, dict)]

    @cached_property
    def weight(self) -> int:
        """A rough cost of drawing this operation's requests: one per parameter (the item id of a write does not
        count: the suite replaces it) and two per property of the body. Under xdist the heavy ones start first."""
        item = self.item_parameter() if self.method in ("POST", "PUT", "PATCH", "DELETE") else None
        parameters = [p for p in self.parameters
                      if p.get("in") != "body" and not (p.get("in") == "path" and p.get("name") == item)]
        return 1 + len(parameters) + 2 * _count_properties(self.body_schema)

    @cached_property
    def spec_paths(self) -> set[str]:
        return set(self.root.get("paths", {}))

    @cached_property
    def methods_by_path(self) -> dict[str, list[str]]:
        return {path: [m.upper() for m in HTTP_METHODS if m in (item or {})]
                for path, item in self.root.get("paths", {}).items()}

    @cached_property
    def declared_methods(self) -> list[str]:
        item = self.root.get("paths", {}).get(self.path, {})
        return [m.upper() for m in HTTP_METHODS if m in item]

    @cached_property
    def varies_beyond_path(self) -> bool:
        """Can two valid requests differ in more than their path values (a query, header or cookie parameter,
        a body)? The suite chooses the path values itself, so without any of these one valid request is all."""
        return ("requestBody" in self.definition
                or any(p.get("in") in ("query", "header", "cookie", "body", "formData") for p in self.parameters))

    @cached_property
    def can_be_invalid(self) -> bool:
        """Could schemathesis draw an invalid request? Not when the path parameters are all unconstrained strings
        and nothing else varies (any string is valid; it would spend a second to find that out)."""
        if self.varies_beyond_path:
            return True
        for parameter in self.parameters:
            schema = parameter.get("schema") or parameter
            if schema.get("type") not in ("string", None) or any(
                    key in schema for key in ("format", "pattern", "enum", "const", "minLength", "maxLength")):
                return True
        return False

    @cached_property
    def query_parameters(self) -> dict[str, dict[str, Any]]:
        """The query parameters by name (path-level ones included), $refs inlined."""
        return {str(p["name"]): p for p in self.parameters if p.get("in") == "query" and p.get("name")}

    @cached_property
    def body_media(self) -> dict[str, Any]:
        """The JSON request body's media type object (its schema, example and examples), $refs inlined."""
        body = self.definition.get("requestBody")
        if body is not None:
            for media_type, content in (resolve(body, self.root).get("content") or {}).items():
                if "json" in media_type and isinstance(content, dict):
                    return content
            return {}
        for parameter in self.parameters:
            if parameter.get("in") == "body":
                return {"schema": parameter.get("schema") or {}, **({"example": parameter["x-example"]}
                                                                     if "x-example" in parameter else {})}
        return {}

    @cached_property
    def response_media_types(self) -> list[str]:
        """The media types its 2xx answers are documented in (OpenAPI 3 ``content``, Swagger 2 ``produces``)."""
        found: list[str] = []
        for status, response in (self.definition.get("responses") or {}).items():
            if str(status).startswith("2") and isinstance(response, dict):
                found += [m.lower() for m in (resolve(response, self.root).get("content") or {})]
        found += [m.lower() for m in self.definition.get("produces", self.root.get("produces", [])) or []]
        return list(dict.fromkeys(found))

    @cached_property
    def redirect_answers(self) -> frozenset[int]:
        """The redirects (not 304) the spec documents as the answer where it documents no 2xx (httpbin's
        /redirect/{n}, GitHub's tarball); a 301 beside a 200 (GitHub's moved repository) is not one."""
        statuses = [str(status) for status in (self.definition.get("responses") or {})]
        if any(status.startswith("2") for status in statuses):
            return frozenset()
        return frozenset(int(s) for s in statuses if s.isdigit() and 300 <= int(s) < 400 and s != "304")

    def answered(self, status: int) -> bool:
        """Did an answer with this status carry out the operation: a 2xx, or a redirect documented as its answer?"""
        return 200 <= status < 300 or status in self.redirect_answers

    def serves_the_description(self, spec_location: str = "", base_url: str = "") -> bool:
        """Is this the operation that serves the API description itself (DRF's GET /api/schema/, Jupyter's
        /api/spec.yaml)? It names no resource: the spec is where the run was told to read it from, its last
        segment is a description's file name, or its answers are documented only as a description's types."""
        if self.method != "GET":
            return False
        if "://" in spec_location:
            base = urlsplit(base_url).path.rstrip("/")
            if urlsplit(spec_location).path.rstrip("/") == base + self.path.rstrip("/"):
                return True
        last = self.path.rstrip("/").rsplit("/", 1)[-1].lower()
        if last in DESCRIPTION_FILES:
            return True
        media = self.response_media_types
        return any("openapi" in m or "swagger" in m for m in media) or (bool(media) and all("yaml" in m for m in media))

    @cached_property
    def takes_body(self) -> bool:
        """Does the operation declare a request body at all (any media type, or Swagger 2 body/form fields)?"""
        return self.definition.get("requestBody") is not None or any(
            p.get("in") in ("body", "formData") for p in self.parameters)

    @cached_property
    def body_schema(self) -> dict[str, Any] | None:
        """The JSON request body schema ($refs inlined), or None."""
        body = self.definition.get("requestBody")
        if body is not None:
            body = resolve(body, self.root)
            for media_type, content in (body.get("content") or {}).items():
                if "json" in media_type:
                    return content.get("schema") or {}
            return None
        for parameter in self.parameters:
            if parameter.get("in") == "body":
                return parameter.get("schema") or {}
        return None

    @cached_property
    def written_body(self) -> "WrittenBody | None":
        """The body the suite writes on purpose (to create a resource, to name one), in a media type the
        operation declares: JSON where it takes JSON, else a URL-encoded form (Stripe's API creates only from
        one), else a multipart form; Swagger 2's formData parameters make a form. None when it takes none."""
        body = self.definition.get("requestBody")
        if body is not None:
            content = resolve(body, self.root).get("content") or {}
            for wanted in ("json", FORM, MULTIPART):
                for media_type, media in content.items():
                    if wanted in media_type.lower() and isinstance(media, dict):
                        return WrittenBody(media_type, media.get("schema") or {}, media, media.get("encoding") or {})
            return None
        if self.body_schema is not None:
            return WrittenBody("application/json", self.body_schema, self.body_media, {})
        fields = [p for p in self.parameters if p.get("in") == "formData" and p.get("name")]
        if not fields:
            return None
        consumes = self.definition.get("consumes", self.root.get("consumes")) or []
        media_type = MULTIPART if any(f.get("type") == "file" for f in fields) or MULTIPART in consumes else FORM
        schema = {"type": "object", "properties": {f["name"]: {k: v for k, v in f.items() if k not in (
                      "name", "in", "required", "description")} for f in fields},
                  "required": [f["name"] for f in fields if f.get("required")]}
        return WrittenBody(media_type, schema, {"schema": schema}, {})

    def date_formats(self) -> dict[str, str]:
        return self._date_formats

    @cached_property
    def _date_formats(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for response in (self.definition.get("responses") or {}).values():
            response = resolve(response, self.root)
            schemas = [c.get("schema") for c in (response.get("content") or {}).values()] + [response.get("schema")]
            for schema in schemas:
                _collect_date_formats(schema, out)
        return out

    def invalid_body(self, skip: frozenset[str] | set[str] = frozenset()) -> tuple[Any, str] | None:
        """A JSON body that breaks the request schema, and how: the first way the schema allows. Fields in ``skip``
        (those that carry the credential: the builder writes the valid one there) are not broken."""
        schema = self.body_schema
        if not isinstance(schema, dict):
            return None
        if schema.get("type") == "object" or "properties" in schema:
            properties = schema.get("properties") or {}
            for name, prop in properties.items():
                if (isinstance(prop, dict) and prop.get("readOnly")) or name in skip:
                    continue  # a client's value for it is ignored, rightly (or replaced): breaking it breaks nothing
                kind = prop.get("type") if isinstance(prop, dict) else None
                if kind in ("string", "integer", "number", "boolean", "array", "object"):
                    wrong = [] if kind != "array" else "not-an-array"
                    if kind == "string":
                        wrong = 12345
                    elif kind == "object":
                        wrong = "not-an-object"
                    return {name: wrong}, f"'{name}' is a {type(wrong).__name__} where the schema says {kind}"
            required = [n for n in schema.get("required", []) if n not in skip
                        and not (isinstance(properties.get(n), dict) and properties[n].get("readOnly"))]
            if required:
                return {}, f"required field(s) {', '.join(required)} left out"
            return None
        if schema.get("type") == "array":
            return {"not": "an array"}, "an object where the schema says array"
        return None

    def item_parameter(self) -> str | None:
        """The parameter that names one resource: the last path parameter."""
        names = re.findall(r"\{([^}]+)\}", self.path)
        return names[-1] if names else None

    def path_parameter_schema(self, name: str) -> dict[str, Any]:
        for parameter in self.parameters:
            if parameter.get("in") == "path" and parameter.get("name") == name:
                return parameter.get("schema") or {k: v for k, v in parameter.items() if k in ("type", "format")}
        return {}

    @property
    def shares_a_write_target(self) -> bool:
        """Do the operation's requests change one shared resource the path names (PUT, PATCH, or a POST to an
        item path, as Stripe updates with)? Each answer then depends on the writes before it. (A DELETE is not
        one: each DELETE gets a resource of its own.)"""
        return self.method in ("PUT", "PATCH") or (self.method == "POST" and self.collection_path is not None)

    @property
    def collection_path(self) -> str | None:
        """For an item path (/users/{id}), its collection (/users); None for any other path."""
        if not self.path.rstrip("/").endswith("}"):
            return None
        return self.path.rstrip("/").rsplit("/", 1)[0] or "/"


@dataclass
class Spec:
    raw: dict[str, Any]
    location: str
    schema: Any  # schemathesis BaseOpenAPISchema
    operations: list[Operation]
    invalid: list[tuple[str, str]]  # (where, why) for operations schemathesis cannot use

    @property
    def title(self) -> str:
        return str(self.raw.get("info", {}).get("title", ""))


def load_spec(location: str | None, base_url: str, *, timeout: float, session: requests.Session,
              base_dir: Path | None = None, seed: int | None = None) -> Spec:
    if location:
        raw, where = read_spec(location, timeout=timeout, session=session, base_dir=base_dir)
    else:
        raw, where = discover_spec(base_url, timeout=timeout, session=session)
    bad = dangling_ref(raw)  # found now, as one sentence, rather than as a crash while collecting
    if bad is not None:
        raise SpecError(f"The spec {where} has a $ref that points nowhere: {bad}. Fix or remove it.")
    config = schemathesis.Config.from_dict({
        "base-url": base_url.rstrip("/"),
        "generation": {"with-security-parameters": False, "database": "none"},
    })
    try:
        schema = schemathesis.openapi.from_dict(raw, config=config)
    except Exception as exc:  # schemathesis raises several kinds for unusable documents
        raise SpecError(f"The spec {where} cannot be used: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}.") from None
    operations, invalid = [], []
    try:
        results = list(schema.get_all_operations())
    except Exception as exc:
        raise SpecError(f"The spec {where} cannot be used: {str(exc).splitlines()[0]}.") from None
    for result in results:
        if isinstance(result, Ok):
            operations.append(Operation(result.ok(), raw))
        else:
            error = result.err()
            label = f"{getattr(error, 'method', '') or ''} {getattr(error, 'path', '') or ''}".strip() or "an operation"
            invalid.append((label.upper() if label.islower() else label, str(error).splitlines()[0] if str(error) else "invalid"))
    if not operations:
        reasons = "; ".join(f"{w}: {why}" for w, why in invalid[:3])
        raise SpecError(f"The spec {where} has no usable operation{': ' + reasons if reasons else ''}.")
    return Spec(raw, where, schema, operations, invalid)


def check_reachable(base_url: str, *, timeout: float, session: requests.Session) -> None:
    try:
        session.get(base_url, timeout=timeout, allow_redirects=False)
    except requests.exceptions.InvalidSchema:
        raise TargetError(f"The target {base_url} uses a scheme other than http or https.") from None
    except requests.exceptions.SSLError:
        raise TargetError(f"The target {base_url} does not speak HTTPS: use http:// or fix the certificate.") from None
    except requests.exceptions.Timeout:
        raise TargetError(f"The target {base_url} did not answer within {timeout:g} s: is the API up? "
                          "(raise --conformance-timeout for a slow API)") from None
    except requests.RequestException as exc:
        reason = type(exc).__name__
        raise TargetError(f"The target {base_url} cannot be reached ({reason}): start the API or fix --conformance-url.") from None


__all__ = ["Operation", "Spec", "norm", "load_spec", "check_reachable", "discover_spec", "resolve"]

