"""Feature flags of a FeatBit-style API, kept to the FeatBit REST API overview (seeds 000 and 001).

What the document asks, and how this server keeps it:

- Authentication: the ``Authorization`` header holds the raw access token (no scheme); nothing else
  authenticates (``Bearer <token>``, a query parameter or a body field get 401).
- Representations: every response has ``Content-Type: application/json`` (with ``charset=utf-8``) and a
  JSON body, 401/403/404/405/415 and preflights included; ``PATCH``/``POST``/``PUT`` bodies must be JSON
  sent as ``application/json`` (anything else: 415).
- Errors: ``{"success": false, "errors": ["<general class>"], "data": null}`` (the keys in another
  order: ``data``, ``errors``, ``success``); successes use the same envelope with ``success: true``.
- CORS: ``Access-Control-Allow-Origin`` echoes ``Origin`` when given, else ``*``, on every response; a
  preflight gets the document's ``Access-Control-Allow-Headers`` and ``Access-Control-Max-Age: 300`` and
  the methods of the path in ``Access-Control-Allow-Methods`` (the document gives an example).

Where the document leaves room, this server differs from the bundled demo: nested collections two levels
deep (workspaces, environments, flags) whose UUID ids are not in the spec and are found by listing;
string flag keys; 201 with ``Location`` on create; ``PATCH`` takes a JSON Patch array (as FeatBit does)
sent as ``application/json``; flags are paged with ``pageIndex`` (from 0) and ``pageSize`` and listed as
``{"totalCount", "items"}``; routing comes before authentication (an unknown path is 404 and a wrong
method 405 even without a token, as in ASP.NET); extra headers (``X-Request-Id``, ``Cache-Control``,
``X-Content-Type-Options``, ``Vary: Origin``); a read-only token may read but gets 403 on writes.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .serving import BoundedRequest, json_response, media_type, request_id

TOKEN = "fbt-api-9f1c2d7e4b5a40c8"
READ_ONLY_TOKEN = "fbt-api-ro-3e8a1b6c0d2f47a1"

CORS_ALLOW_HEADERS = "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization"
CORS_MAX_AGE = "300"

KEY_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$"
TAGS = {"type": "array", "maxItems": 10, "items": {"type": "string", "minLength": 1, "maxLength": 32}}
VARIATION_TYPES = ["boolean", "string", "number", "json"]

CREATE_FLAG = {
    "type": "object",
    "required": ["key", "name"],
    "properties": {
        "key": {"type": "string", "pattern": KEY_PATTERN, "description": "Unique in the environment."},
        "name": {"type": "string", "minLength": 1, "maxLength": 128},
        "description": {"type": "string", "maxLength": 512},
        "isEnabled": {"type": "boolean"},
        "variationType": {"type": "string", "enum": VARIATION_TYPES},
        "tags": TAGS,
    },
}
REPLACE_FLAG = {
    "type": "object",
    "required": ["name"],
    "properties": {k: v for k, v in CREATE_FLAG["properties"].items() if k != "key"},
}
PATCH_FLAG = {
    "type": "array",
    "minItems": 1,
    "maxItems": 20,
    "items": {
        "oneOf": [
            {"type": "object", "required": ["op", "path", "value"],
             "properties": {"op": {"enum": ["add", "replace"]}, "path": {"enum": ["/name"]},
                            "value": CREATE_FLAG["properties"]["name"]}},
            {"type": "object", "required": ["op", "path", "value"],
             "properties": {"op": {"enum": ["add", "replace"]}, "path": {"enum": ["/description"]},
                            "value": CREATE_FLAG["properties"]["description"]}},
            {"type": "object", "required": ["op", "path", "value"],
             "properties": {"op": {"enum": ["add", "replace"]}, "path": {"enum": ["/isEnabled"]},
                            "value": {"type": "boolean"}}},
            {"type": "object", "required": ["op", "path", "value"],
             "properties": {"op": {"enum": ["add", "replace"]}, "path": {"enum": ["/tags"]}, "value": TAGS}},
            {"type": "object", "required": ["op", "path"],
             "properties": {"op": {"enum": ["remove"]},
                            "path": {"enum": ["/description", "/isEnabled", "/tags"]}}},
        ],
    },
}
_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in
               {"create": CREATE_FLAG, "replace": REPLACE_FLAG, "patch": PATCH_FLAG}.items()}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _variations(kind: str) -> list[dict[str, str]]:
    values = {"boolean": ["true", "false"], "string": ["control", "treatment"], "number": ["0", "1"],
              "json": ["{}", "{\"enabled\":true}"]}[kind]
    return [{"id": str(uuid.uuid4()), "value": value} for value in values]


class _Fail(Exception):
    """An error answer: status and the general class of error."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.headers = status, error, headers or {}


class FeatBitFlags:
    """The WSGI application. Ids are new UUIDs on every start; list the parents to find them."""

    def __init__(self, token: str = TOKEN, read_only_token: str = READ_ONLY_TOKEN) -> None:
        self.tokens = {token: "write", read_only_token: "read"}
        self.lock = threading.Lock()
        self.workspaces: dict[str, dict[str, Any]] = {}
        self.environments: dict[str, dict[str, dict[str, Any]]] = {}
        self.flags: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self._seed()
        prefix = "/api/v2/workspaces"
        env = prefix + "/<workspace_id>/environments/<env_id>"
        self.url_map = Map([
            Rule(prefix, methods=["GET"], endpoint="list_workspaces"),
            Rule(prefix + "/<workspace_id>", methods=["GET"], endpoint="get_workspace"),
            Rule(prefix + "/<workspace_id>/environments", methods=["GET"], endpoint="list_environments"),
            Rule(env, methods=["GET"], endpoint="get_environment"),
            Rule(env + "/flags", methods=["GET"], endpoint="list_flags"),
            Rule(env + "/flags", methods=["POST"], endpoint="create_flag"),
            Rule(env + "/flags/<flag_key>", methods=["GET"], endpoint="get_flag"),
            Rule(env + "/flags/<flag_key>", methods=["PUT"], endpoint="replace_flag"),
            Rule(env + "/flags/<flag_key>", methods=["PATCH"], endpoint="patch_flag"),
            Rule(env + "/flags/<flag_key>", methods=["DELETE"], endpoint="delete_flag"),
            Rule(env + "/flags/<flag_key>/archive", methods=["PUT"], endpoint="archive_flag"),
        ], strict_slashes=False, merge_slashes=False)

    # -- data ---------------------------------------------------------------------------------------

    def _seed(self) -> None:
        start = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
        names = ["Checkout v2", "Dark mode", "New onboarding", "Search ranking", "Beta banner",
                 "Price test", "Fast cart", "Chat widget", "Referral bonus", "Legacy export",
                 "Gift cards", "Wishlist", "Mobile nav", "Smart filters", "Recommendations",
                 "One click pay", "Reviews v3", "Guest checkout", "Promo ribbon", "Store locator",
                 "Loyalty points", "Order tracking", "Dark launch", "Kill switch", "Holiday theme"]
        for w, (ws_name, ws_key) in enumerate([("Acme Retail", "acme-retail"), ("Acme Labs", "acme-labs")]):
            ws_id = str(uuid.uuid4())
            self.workspaces[ws_id] = {"id": ws_id, "key": ws_key, "name": ws_name,
                                      "createdAt": (start + timedelta(days=w)).strftime("%Y-%m-%dT%H:%M:%SZ")}
            self.environments[ws_id] = {}
            for e, env_name in enumerate(["Production", "Staging"]):
                env_id = str(uuid.uuid4())
                self.environments[ws_id][env_id] = {
                    "id": env_id, "workspaceId": ws_id, "key": env_name.lower(), "name": env_name,
                    "createdAt": (start + timedelta(days=w, hours=e)).strftime("%Y-%m-%dT%H:%M:%SZ")}
                count = 25 if (w, e) == (0, 0) else 4 + 3 * e
                flags: dict[str, dict[str, Any]] = {}
                for i, name in enumerate(names[:count]):
                    key = name.lower().replace(" ", "-")
                    at = (start + timedelta(days=10 + i, minutes=e)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                    flags[key] = {"id": str(uuid.uuid4()), "key": key, "name": name,
                                  "description": f"{name} rollout", "isEnabled": i % 3 == 0,
                                  "isArchived": False, "variationType": "boolean",
                                  "variations": _variations("boolean"), "tags": ["web"] if i % 2 else [],
                                  "createdAt": at, "updatedAt": at}
                self.flags[(ws_id, env_id)] = flags

    def documented_ids(self) -> dict[str, str]:
        """Real ids, for a spec that documents examples from this data (the first environment's flags)."""
        workspace_id = next(iter(self.workspaces))
        return {"workspaceId": workspace_id, "envId": next(iter(self.environments[workspace_id])),
                "flagKey": "dark-mode"}

    # -- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = BoundedRequest(environ)
        try:
            response = self._dispatch(request)
        except _Fail as fail:
            response = self._envelope(None, fail.status, [fail.error], fail.headers)
        except Exception:  # noqa: BLE001  (an answer, never a traceback)
            response = self._envelope(None, 500, ["InternalServerError"])
        self._decorate(request, response)
        return response(environ, start_response)

    def _decorate(self, request: BoundedRequest, response: Response) -> None:
        response.headers["X-Request-Id"] = request_id(request)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin") or "*"
        response.headers["Access-Control-Expose-Headers"] = "X-Request-Id, Location"
        response.vary.add("Origin")

    @staticmethod
    def _envelope(data: Any, status: int = 200, errors: list[str] | None = None,
                  headers: dict[str, str] | None = None) -> Response:
        return json_response({"data": data, "errors": errors or [], "success": status < 400},
                             status, headers)

    def _dispatch(self, request: BoundedRequest) -> Response:
        try:
            body = request.get_data(cache=True)  # always read: the connection stays in step
        except RequestEntityTooLarge:
            raise _Fail(413, "PayloadTooLarge") from None
        adapter = self.url_map.bind_to_environ(request.environ)
        if request.method == "OPTIONS":
            methods = self._methods(request.path)
            if len(methods) == 1:
                raise _Fail(404, "NotFound")
            return self._preflight(methods)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            raise _Fail(404, "NotFound") from None
        except MethodNotAllowed as exc:
            allowed = sorted(set(exc.valid_methods or ()) | {"OPTIONS"}, key=_method_order)
            raise _Fail(405, "MethodNotAllowed", {"Allow": ", ".join(allowed)}) from None
        except HTTPException:
            raise _Fail(404, "NotFound") from None
        role = self.tokens.get((request.headers.get("Authorization") or "").strip())
        if role is None:
            raise _Fail(401, "Unauthorized", {"WWW-Authenticate": 'AccessToken realm="FeatBit API"'})
        if request.method not in ("GET", "HEAD") and role != "write":
            raise _Fail(403, "Forbidden")
        payload = self._json_body(request, body)
        return getattr(self, endpoint)(request, payload, **args)

    def _methods(self, path: str) -> list[str]:
        adapter = self.url_map.bind("localhost")
        allowed = set(adapter.allowed_methods(path)) | {"OPTIONS"}
        return sorted(allowed, key=_method_order)

    def _preflight(self, methods: list[str]) -> Response:
        return self._envelope(None, 200, headers={
            "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
            "Access-Control-Allow-Methods": ", ".join(m for m in methods if m != "HEAD"),
            "Access-Control-Max-Age": CORS_MAX_AGE,
            "Allow": ", ".join(methods)})

    @staticmethod
    def _json_body(request: BoundedRequest, body: bytes) -> Any:
        if request.method not in ("POST", "PUT", "PATCH") or not body:
            return None
        if media_type(request.content_type) != "application/json":
            raise _Fail(415, "UnsupportedMediaType")
        try:
            return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError):
            raise _Fail(400, "InvalidJson") from None

    # -- lookups ------------------------------------------------------------------------------------

    def _environment(self, workspace_id: str, env_id: str) -> dict[str, dict[str, Any]]:
        flags = self.flags.get((workspace_id, env_id))
        if flags is None:
            raise _Fail(404, "NotFound")
        return flags

    def _flag(self, workspace_id: str, env_id: str, flag_key: str) -> dict[str, Any]:
        flag = self._environment(workspace_id, env_id).get(flag_key)
        if flag is None:
            raise _Fail(404, "NotFound")
        return flag

    @staticmethod
    def _valid(kind: str, payload: Any) -> Any:
        if payload is None or any(True for _ in _VALIDATORS[kind].iter_errors(payload)):
            raise _Fail(400, "ValidationFailed")
        return payload

    # -- endpoints ----------------------------------------------------------------------------------

    def list_workspaces(self, request: BoundedRequest, payload: Any) -> Response:
        with self.lock:
            return self._envelope(list(self.workspaces.values()))

    def get_workspace(self, request: BoundedRequest, payload: Any, workspace_id: str) -> Response:
        with self.lock:
            workspace = self.workspaces.get(workspace_id)
            if workspace is None:
                raise _Fail(404, "NotFound")
            return self._envelope(workspace)

    def list_environments(self, request: BoundedRequest, payload: Any, workspace_id: str) -> Response:
        with self.lock:
            if workspace_id not in self.environments:
                raise _Fail(404, "NotFound")
            return self._envelope(list(self.environments[workspace_id].values()))

    def get_environment(self, request: BoundedRequest, payload: Any, workspace_id: str, env_id: str) -> Response:
        with self.lock:
            environment = self.environments.get(workspace_id, {}).get(env_id)
            if environment is None:
                raise _Fail(404, "NotFound")
            return self._envelope(environment)

    def list_flags(self, request: BoundedRequest, payload: Any, workspace_id: str, env_id: str) -> Response:
        page_index = _int_arg(request.args.get("pageIndex"), default=0, low=0, high=10_000)
        page_size = _int_arg(request.args.get("pageSize"), default=10, low=1, high=100)
        name = request.args.get("name")
        enabled = request.args.get("isEnabled")
        if enabled not in (None, "true", "false"):
            raise _Fail(400, "ValidationFailed")
        with self.lock:
            items = list(self._environment(workspace_id, env_id).values())
            if name:
                items = [f for f in items if name.lower() in f["name"].lower()]
            if enabled is not None:
                items = [f for f in items if f["isEnabled"] == (enabled == "true")]
            page = items[page_index * page_size:(page_index + 1) * page_size]
            return self._envelope({"totalCount": len(items), "items": copy.deepcopy(page)})

    def create_flag(self, request: BoundedRequest, payload: Any, workspace_id: str, env_id: str) -> Response:
        self._valid("create", payload)
        with self.lock:
            flags = self._environment(workspace_id, env_id)
            if payload["key"] in flags:
                raise _Fail(409, "FlagKeyAlreadyExists")
            at = _now()
            kind = payload.get("variationType", "boolean")
            flag = {"id": str(uuid.uuid4()), "key": payload["key"], "name": payload["name"],
                    "description": payload.get("description", ""), "isEnabled": payload.get("isEnabled", False),
                    "isArchived": False, "variationType": kind, "variations": _variations(kind),
                    "tags": list(payload.get("tags", [])), "createdAt": at, "updatedAt": at}
            flags[flag["key"]] = flag
            location = f"{request.script_root}{request.path.rstrip('/')}/{flag['key']}"
            return self._envelope(copy.deepcopy(flag), 201, headers={"Location": location})

    def get_flag(self, request: BoundedRequest, payload: Any, workspace_id: str, env_id: str,
                 flag_key: str) -> Response:
        with self.lock:
            return self._envelope(copy.deepcopy(self._flag(workspace_id, env_id, flag_key)))

    def replace_flag(self, request: BoundedRequest, payload: Any, workspace_id: str, env_id: str,
                     flag_key: str) -> Response:
        with self.lock:
            flag = self._flag(workspace_id, env_id, flag_key)
            self._valid("replace", payload)
            kind = payload.get("variationType", "boolean")
            if kind != flag["variationType"]:
                flag["variations"] = _variations(kind)
            flag.update(name=payload["name"], description=payload.get("description", ""),
                        isEnabled=payload.get("isEnabled", False), variationType=kind,
                        tags=list(payload.get("tags", [])), updatedAt=_now())
            return self._envelope(copy.deepcopy(flag))

    def patch_flag(self, request: BoundedRequest, payload: Any, workspace_id: str, env_id: str,
                   flag_key: str) -> Response:
        with self.lock:
            flag = self._flag(workspace_id, env_id, flag_key)
            self._valid("patch", payload)
            defaults = {"description": "", "isEnabled": False, "tags": []}
            for operation in payload:
                field = operation["path"][1:]
                flag[field] = defaults[field] if operation["op"] == "remove" else copy.deepcopy(operation["value"])
            flag["updatedAt"] = _now()
            return self._envelope(copy.deepcopy(flag))

    def delete_flag(self, request: BoundedRequest, payload: Any, workspace_id: str, env_id: str,
                    flag_key: str) -> Response:
        with self.lock:
            self._flag(workspace_id, env_id, flag_key)
            del self.flags[(workspace_id, env_id)][flag_key]
            return self._envelope(True)

    def archive_flag(self, request: BoundedRequest, payload: Any, workspace_id: str, env_id: str,
                     flag_key: str) -> Response:
        with self.lock:
            flag = self._flag(workspace_id, env_id, flag_key)
            flag.update(isArchived=True, isEnabled=False, updatedAt=_now())
            return self._envelope(copy.deepcopy(flag))


_ORDER = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def _method_order(method: str) -> int:
    return _ORDER.index(method) if method in _ORDER else len(_ORDER)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _int_arg(raw: str | None, *, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise _Fail(400, "ValidationFailed") from None
    if not low <= value <= high or not raw.lstrip("-").isdigit():
        raise _Fail(400, "ValidationFailed")
    return value


# -- the OpenAPI description, as the team keeps it ----------------------------------------------------

def _envelope_of(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["success", "errors", "data"],
            "properties": {"data": data, "errors": {"type": "array", "items": {"type": "string"}},
                           "success": {"type": "boolean"}}}


def _ok(description: str, data_ref: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _envelope_of(data_ref)}}}


_ERROR = {"$ref": "#/components/responses/Error"}
_WORKSPACE_ID = {"name": "workspaceId", "in": "path", "required": True,
                 "schema": {"type": "string", "format": "uuid"}}
_ENV_ID = {"name": "envId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"},
           "description": "Environment id; list the workspace's environments to find it."}
_FLAG_KEY = {"name": "flagKey", "in": "path", "required": True, "schema": {"type": "string", "pattern": KEY_PATTERN}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _ERROR for code in codes}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Acme feature flags (FeatBit REST API v2 subset)", "version": "2.4.1",
             "description": "Workspaces, environments and their feature flags. Send your access token as the "
                            "whole value of the Authorization header."},
    "servers": [{"url": "http://localhost:5000", "description": "local FeatBit"}],
    "security": [{"accessToken": []}],
    "tags": [{"name": "Workspaces"}, {"name": "Feature flags"}],
    "paths": {
        "/api/v2/workspaces": {
            "get": {"tags": ["Workspaces"], "operationId": "listWorkspaces", "summary": "List workspaces",
                    "responses": {"200": _ok("The workspaces", {"type": "array", "items": {"$ref": "#/components/schemas/Workspace"}}),
                                  **_errors(401)}},
        },
        "/api/v2/workspaces/{workspaceId}": {
            "parameters": [_WORKSPACE_ID],
            "get": {"tags": ["Workspaces"], "operationId": "getWorkspace", "summary": "Get a workspace",
                    "responses": {"200": _ok("The workspace", {"$ref": "#/components/schemas/Workspace"}),
                                  **_errors(401, 404)}},
        },
        "/api/v2/workspaces/{workspaceId}/environments": {
            "parameters": [_WORKSPACE_ID],
            "get": {"tags": ["Workspaces"], "operationId": "listEnvironments", "summary": "List environments",
                    "responses": {"200": _ok("The environments", {"type": "array", "items": {"$ref": "#/components/schemas/Environment"}}),
                                  **_errors(401, 404)}},
        },
        "/api/v2/workspaces/{workspaceId}/environments/{envId}": {
            "parameters": [_WORKSPACE_ID, _ENV_ID],
            "get": {"tags": ["Workspaces"], "operationId": "getEnvironment", "summary": "Get an environment",
                    "responses": {"200": _ok("The environment", {"$ref": "#/components/schemas/Environment"}),
                                  **_errors(401, 404)}},
        },
        "/api/v2/workspaces/{workspaceId}/environments/{envId}/flags": {
            "parameters": [_WORKSPACE_ID, _ENV_ID],
            "get": {
                "tags": ["Feature flags"], "operationId": "listFlags", "summary": "List feature flags, a page at a time",
                "parameters": [
                    {"name": "pageIndex", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0},
                     "example": 0, "description": "Page number, from 0."},
                    {"name": "pageSize", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                     "example": 20},
                    {"name": "name", "in": "query", "schema": {"type": "string"}, "description": "Part of the flag's name."},
                    {"name": "isEnabled", "in": "query", "schema": {"type": "boolean"}},
                ],
                "responses": {"200": _ok("A page of flags", {"$ref": "#/components/schemas/FlagPage"}), **_errors(400, 401, 404)},
            },
            "post": {
                "tags": ["Feature flags"], "operationId": "createFlag", "summary": "Create a feature flag",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateFlag"}}}},
                "responses": {"201": {**_ok("Created", {"$ref": "#/components/schemas/Flag"}),
                                      "headers": {"Location": {"schema": {"type": "string"}}}},
                              **_errors(400, 401, 403, 404, 409, 415)},
            },
        },
        "/api/v2/workspaces/{workspaceId}/environments/{envId}/flags/{flagKey}": {
            "parameters": [_WORKSPACE_ID, _ENV_ID],
            "get": {"tags": ["Feature flags"], "operationId": "getFlag", "summary": "Get a feature flag",
                    "parameters": [{**_FLAG_KEY, "example": "dark-mode"}],
                    "responses": {"200": _ok("The flag", {"$ref": "#/components/schemas/Flag"}), **_errors(401, 404)}},
            "put": {"tags": ["Feature flags"], "operationId": "replaceFlag", "summary": "Replace a feature flag's settings",
                    "parameters": [_FLAG_KEY],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReplaceFlag"}}}},
                    "responses": {"200": _ok("The flag", {"$ref": "#/components/schemas/Flag"}),
                                  **_errors(400, 401, 403, 404, 415)}},
            "patch": {"tags": ["Feature flags"], "operationId": "patchFlag",
                      "summary": "Change some fields of a feature flag (JSON Patch operations, sent as application/json)",
                      "parameters": [_FLAG_KEY],
                      "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PatchFlag"}}}},
                      "responses": {"200": _ok("The flag", {"$ref": "#/components/schemas/Flag"}),
                                    **_errors(400, 401, 403, 404, 415)}},
            "delete": {"tags": ["Feature flags"], "operationId": "deleteFlag", "summary": "Delete a feature flag",
                       "parameters": [_FLAG_KEY],
                       "responses": {"200": _ok("Deleted", {"type": "boolean"}), **_errors(401, 403, 404)}},
        },
        "/api/v2/workspaces/{workspaceId}/environments/{envId}/flags/{flagKey}/archive": {
            "parameters": [_WORKSPACE_ID, _ENV_ID, _FLAG_KEY],
            "put": {"tags": ["Feature flags"], "operationId": "archiveFlag", "summary": "Archive a feature flag (and switch it off)",
                    "responses": {"200": _ok("The archived flag", {"$ref": "#/components/schemas/Flag"}),
                                  **_errors(401, 403, 404)}},
        },
    },
    "components": {
        "securitySchemes": {"accessToken": {"type": "apiKey", "in": "header", "name": "Authorization",
                                            "description": "A personal or service access token, as the whole header value."}},
        "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
            "Error": {"type": "object", "required": ["success", "errors", "data"],
                      "properties": {"success": {"type": "boolean", "enum": [False]},
                                     "errors": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                                     "data": {"nullable": True, "type": "object"}}},
            "Workspace": {"type": "object", "required": ["id", "key", "name", "createdAt"],
                          "properties": {"id": {"type": "string", "format": "uuid"}, "key": {"type": "string"},
                                         "name": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}}},
            "Environment": {"type": "object", "required": ["id", "workspaceId", "key", "name", "createdAt"],
                            "properties": {"id": {"type": "string", "format": "uuid"},
                                           "workspaceId": {"type": "string", "format": "uuid"},
                                           "key": {"type": "string"}, "name": {"type": "string"},
                                           "createdAt": {"type": "string", "format": "date-time"}}},
            "Flag": {"type": "object",
                     "required": ["id", "key", "name", "description", "isEnabled", "isArchived", "variationType",
                                  "variations", "tags", "createdAt", "updatedAt"],
                     "properties": {"id": {"type": "string", "format": "uuid"}, "key": {"type": "string"},
                                    "name": {"type": "string"}, "description": {"type": "string"},
                                    "isEnabled": {"type": "boolean"}, "isArchived": {"type": "boolean"},
                                    "variationType": {"type": "string", "enum": VARIATION_TYPES},
                                    "variations": {"type": "array", "items": {
                                        "type": "object", "required": ["id", "value"],
                                        "properties": {"id": {"type": "string"}, "value": {"type": "string"}}}},
                                    "tags": {"type": "array", "items": {"type": "string"}},
                                    "createdAt": {"type": "string", "format": "date-time"},
                                    "updatedAt": {"type": "string", "format": "date-time"}}},
            "FlagPage": {"type": "object", "required": ["totalCount", "items"],
                         "properties": {"totalCount": {"type": "integer"},
                                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Flag"}}}},
            "CreateFlag": CREATE_FLAG,
            "ReplaceFlag": REPLACE_FLAG,
            "PatchFlag": PATCH_FLAG,
        },
    },
}
