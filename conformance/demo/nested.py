"""A featbit demo API whose collections are nested two levels deep, and whose parent ids can only be found
by listing: projects -> environments -> feature flags.

    GET                 /api/v1/health
    GET                 /api/v1/projects
    GET                 /api/v1/projects/{projectId}/envs
    GET, POST           /api/v1/projects/{projectId}/envs/{envId}/flags
    GET, PATCH, DELETE  /api/v1/projects/{projectId}/envs/{envId}/flags/{key}

Projects and environments cannot be created, and the spec gives no example, default or enum for
``projectId`` or ``envId`` (only ``format: uuid``): a client finds them by listing. Flags are named by a
``key`` chosen by the client in the POST body. ``demo-token`` may do everything; ``demo-readonly`` may read
and is refused (403) on writes. Each request is answered in this order: route (404), CORS preflight,
method (405), credential (401), parents and flag (404), permission (403), body (415, 400), duplicate (409).

Each ``if api.fault(...)`` names the rule it breaks, as in :mod:`conformance.demo.server`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .server import CORS_ALLOW_HEADERS, EPOCH, FEATBIT_ERRORS, DemoHandler, Reply, Serving, _Server

HEALTH = "/api/v1/health"
PROJECTS = "/api/v1/projects"
ENVS = "/api/v1/projects/{projectId}/envs"
FLAGS = "/api/v1/projects/{projectId}/envs/{envId}/flags"
FLAG = "/api/v1/projects/{projectId}/envs/{envId}/flags/{key}"
TEMPLATES = (HEALTH, PROJECTS, ENVS, FLAGS, FLAG)
WRITES = ("POST", "PUT", "PATCH", "DELETE")

# The rules the --faulty nested demo breaks on purpose (both are only seen by a client that reaches an env).
NESTED_FAULTY = ["auth.forbidden-credentials", "content-type.json-request"]

KEY_PATTERN = "^[a-z0-9][a-z0-9-]{0,63}$"
TEXT_PATTERN = "^[A-Za-z0-9 ]*$"
NAMESPACE = uuid.UUID("6f1c2a4e-5b0d-4c8e-9a53-1f2e3d4c5b6a")


# -- the OpenAPI description ---------------------------------------------------------------------------
def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["success", "errors", "data"],
            "properties": {"success": {"type": "boolean"}, "errors": {"type": "array"}, "data": data}}


def _flag_input(*, partial: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "name": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[A-Za-z0-9 ]+$",
                 "example": "Dark mode"},
        "enabled": {"type": "boolean", "example": False},
        "description": {"type": "string", "maxLength": 80, "pattern": TEXT_PATTERN,
                        "example": "Lets users switch to the dark theme"},
    }
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if not partial:  # the key names the flag for ever: given once, on creation
        properties = {"key": {"type": "string", "pattern": KEY_PATTERN, "example": "dark-mode"}, **properties}
        schema["properties"] = properties
        schema["required"] = ["key", "name"]
    return schema


def build_nested_spec() -> dict[str, Any]:
    """The OpenAPI 3.0 description of :class:`NestedDemoAPI` (also in specs/featbit-nested.openapi.json)."""
    error = {"description": "error", "content": _json({"$ref": "#/components/schemas/Error"})}
    errors = {str(s): error for s in (400, 401, 403, 404, 405, 409, 415, 422, 429, 500)}
    project_id = {"name": "projectId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    env_id = {"name": "envId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    key = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "pattern": KEY_PATTERN}}

    def listing(name: str) -> dict[str, Any]:
        return {"description": "list", "content": _json(_envelope(
            {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}))}

    flag = {"description": "the flag", "content": _json(_envelope({"$ref": "#/components/schemas/Flag"}))}
    created = {**flag, "description": "created",
               "headers": {"Location": {"description": "the new flag", "schema": {"type": "string"}}}}
    paths = {
        HEALTH: {"get": {"operationId": "health",
                         "responses": {"200": {"description": "up", "content": _json({
                             "type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}})},
                                       **{k: v for k, v in errors.items() if k in ("401", "405", "429", "500")}}}},
        PROJECTS: {"get": {"operationId": "listProjects", "responses": {"200": listing("Project"), **errors}}},
        ENVS: {"get": {"operationId": "listEnvs", "parameters": [project_id],
                       "responses": {"200": listing("Env"), **errors}}},
        FLAGS: {
            "get": {"operationId": "listFlags", "parameters": [project_id, env_id],
                    "responses": {"200": listing("Flag"), **errors}},
            "post": {"operationId": "createFlag", "parameters": [project_id, env_id],
                     "requestBody": {"required": True, "content": _json(_flag_input(partial=False))},
                     "responses": {"201": created, **errors}},
        },
        FLAG: {
            "get": {"operationId": "getFlag", "parameters": [project_id, env_id, key],
                    "responses": {"200": flag, **errors}},
            "patch": {"operationId": "patchFlag", "parameters": [project_id, env_id, key],
                      "requestBody": {"required": True, "content": _json(_flag_input(partial=True))},
                      "responses": {"200": flag, **errors}},
            "delete": {"operationId": "deleteFlag", "parameters": [project_id, env_id, key],
                       "responses": {"204": {"description": "deleted"}, **errors}},
        },
    }
    uuid_field = {"type": "string", "format": "uuid"}
    schemas = {
        "Error": {"type": "object", "required": ["success", "errors", "data"],
                  "properties": {"success": {"type": "boolean"},
                                 "errors": {"type": "array", "items": {"type": "string"}},
                                 "data": {"nullable": True}}},
        "Project": {"type": "object", "required": ["id", "name"],
                    "properties": {"id": uuid_field, "name": {"type": "string"}}},
        "Env": {"type": "object", "required": ["id", "projectId", "name"],
                "properties": {"id": uuid_field, "projectId": uuid_field, "name": {"type": "string"}}},
        "Flag": {"type": "object", "required": ["key", "name", "enabled", "description", "envId", "createdAt"],
                 "properties": {"key": {"type": "string", "example": "dark-mode"},
                                "name": {"type": "string", "example": "Dark mode"},
                                "enabled": {"type": "boolean", "example": False},
                                "description": {"type": "string", "nullable": True,
                                                "example": "Lets users switch to the dark theme"},
                                "envId": uuid_field,
                                "createdAt": {"type": "string", "format": "date-time"}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "featbit nested demo API", "version": "1.0.0",
                 "description": "A reference API bundled with conformance for the featbit profile, with collections "
                                "nested two levels deep (projects, envs, flags) whose parent ids are found by "
                                "listing."},
        "paths": paths,
        "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}},
                       "schemas": schemas},
    }


# -- the server ------------------------------------------------------------------------------------------
class NestedDemoAPI(Serving):
    """Start with ``NestedDemoAPI().start()``; ``.url`` is the base URL; ``.stop()`` ends it.

    ``requests`` logs (method, path) of every request; ``answers`` logs (method, path template, status),
    so a test can tell which operations were reached with a 2xx."""

    def __init__(self, profile: str = "featbit", *, faults: set[str] | frozenset[str] = frozenset(), port: int = 0,
                 token: str | None = None, forbidden_token: str | None = None):
        if profile != "featbit":
            raise ValueError(f"the nested demo plays the featbit profile only, not {profile!r}")
        self.profile = profile
        self.faults = set(faults)
        self.token = token or "demo-token"
        self.forbidden_token = forbidden_token or "demo-readonly"
        self.spec = build_nested_spec()
        self.lock = threading.Lock()
        self.clock = 0
        self.projects: dict[str, dict[str, Any]] = {}
        self.envs: dict[str, dict[str, Any]] = {}
        self.flags: dict[str, dict[str, dict[str, Any]]] = {}  # env id -> key -> flag
        for p, project_name in enumerate(("Web shop", "Mobile app")):
            project_id = str(uuid.uuid5(NAMESPACE, f"project-{p}"))
            self.projects[project_id] = {"id": project_id, "name": project_name}
            for env_name in ("Production", "Staging"):
                env_id = str(uuid.uuid5(NAMESPACE, f"project-{p}/{env_name}"))
                self.envs[env_id] = {"id": env_id, "projectId": project_id, "name": env_name}
                self.flags[env_id] = {}
                self.create_flag(env_id, {"key": "welcome-banner", "name": "Welcome banner", "enabled": True})
        self.requests: list[tuple[str, str]] = []
        self.answers: list[tuple[str, str | None, int]] = []
        self._server = _Server(("127.0.0.1", port), _handler(self))
        self._thread: threading.Thread | None = None

    def envs_of(self, project_id: str) -> list[dict[str, Any]]:
        return [env for env in self.envs.values() if env["projectId"] == project_id]

    def create_flag(self, env_id: str, data: dict[str, Any]) -> dict[str, Any] | None:
        """The new flag, or None when the env already has one with that key."""
        with self.lock:
            if data["key"] in self.flags[env_id]:
                return None
            self.clock += 1
            flag = {"key": data["key"], "name": data["name"], "enabled": data.get("enabled", False),
                    "description": data.get("description"), "envId": env_id,
                    "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH + self.clock * 60))}
            self.flags[env_id][data["key"]] = flag
            return flag


def _template(path: str) -> tuple[str | None, dict[str, str]]:
    """The path template a path matches, and the values of its parameters."""
    for template in TEMPLATES:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        match = re.fullmatch(pattern, path)
        if match:
            return template, match.groupdict()
    return None, {}


def _handler(api: NestedDemoAPI):
    class Handler(DemoHandler):
        def _handle(self) -> None:
            raw, parts, _ = self._read()
            path = parts.path
            api.requests.append((self.command, path))
            template, params = _template(path)
            try:
                status, body, extra = self._route(template, params, raw)
            except Reply as reply:
                status, extra = reply.status, reply.headers
                body = reply.body if reply.body is not None else self._error(reply.status)
            api.answers.append((self.command, template, status))
            self._send(status, body, extra)

        # -- answers -----------------------------------------------------------------------------
        @staticmethod
        def _error(status: int, detail: str | None = None) -> dict[str, Any]:
            return {"success": False, "errors": [detail or FEATBIT_ERRORS.get(status, "Error")], "data": None}

        @staticmethod
        def _wrap(data: Any) -> dict[str, Any]:
            return {"success": True, "errors": [], "data": data}

        def _send(self, status: int, body: Any, extra: dict[str, str]) -> None:
            headers = dict(extra)
            origin = self.headers.get("Origin")
            if origin:  # echoed, so credentials may be allowed; Vary keeps shared caches apart
                headers.update({"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
                                "Vary": "Origin"})
            else:
                headers["Access-Control-Allow-Origin"] = "*"
            payload = b""
            if body is not None and status not in (204, 304):
                payload = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        # -- routing -----------------------------------------------------------------------------
        def _route(self, template: str | None, params: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
            method = self.command
            if template is None:
                if urlsplit(self.path).path == "/openapi.json" and method == "GET":
                    return 200, api.spec, {}
                raise Reply(404)
            allowed = [m.upper() for m in api.spec["paths"][template]]
            head = method == "HEAD" and "GET" in allowed and template != HEALTH  # HEAD wherever GET is (RFC 9110 9.1)
            if method == "OPTIONS":  # a preflight needs no credential and no existing resource
                return 204, None, {"Access-Control-Allow-Methods": ", ".join(["OPTIONS"] + allowed),
                                   "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                                   "Access-Control-Max-Age": "300"}
            if method not in allowed and not head:
                raise Reply(405, headers={"Allow": ", ".join(allowed + ["OPTIONS"])})
            credential = self.headers.get("Authorization")  # the raw token is the whole value; nothing else counts
            read_only = credential == api.forbidden_token
            if credential != api.token and not read_only:  # "All REST API resources are authenticated"
                raise Reply(401, headers={"WWW-Authenticate": "Bearer"})
            if template == HEALTH:
                return 200, {"status": "ok"}, {}
            if template == PROJECTS:
                return 200, self._wrap(list(api.projects.values())), {}
            project = api.projects.get(params["projectId"])
            if project is None:
                raise Reply(404)
            if template == ENVS:
                return 200, self._wrap(api.envs_of(project["id"])), {}
            env = api.envs.get(params["envId"])
            if env is None or env["projectId"] != project["id"]:
                raise Reply(404)
            flags = api.flags[env["id"]]
            flag = None
            if template == FLAG:
                flag = flags.get(params["key"])
                if flag is None:
                    raise Reply(404)
            if read_only and method in WRITES:
                if api.fault("auth.forbidden-credentials"):  # auth.forbidden-credentials: 401, as if unknown
                    raise Reply(401, headers={"WWW-Authenticate": "Bearer"})
                raise Reply(403)
            if method in ("GET", "HEAD"):
                return 200, self._wrap(flag if flag is not None else list(flags.values())), {}
            if method == "DELETE":
                with api.lock:
                    flags.pop(flag["key"], None)
                return 204, None, {}
            data = self._validate(self._body(raw), partial=method == "PATCH")
            if method == "PATCH":
                with api.lock:
                    flag.update(data)
                return 200, self._wrap(flag), {}
            created = api.create_flag(env["id"], data)
            if created is None:
                raise Reply(409, body=self._error(409, f"A flag with the key '{data['key']}' already exists"))
            location = FLAG.format(projectId=project["id"], envId=env["id"], key=created["key"])
            return 201, self._wrap(created), {"Location": location}

        def _body(self, raw: bytes) -> Any:
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type == "application/x-www-form-urlencoded" and api.fault("content-type.json-request"):
                form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
                if form.get("enabled") in ("true", "false"):  # content-type.json-request: a form body is taken
                    form["enabled"] = form["enabled"] == "true"
                return form
            if content_type != "application/json":
                raise Reply(415, body=self._error(415, "Request bodies must be application/json"))
            try:
                return json.loads(raw)
            except ValueError:
                raise Reply(400, body=self._error(400, "The request body is not valid JSON"))

        def _validate(self, body: Any, *, partial: bool) -> dict[str, Any]:
            def invalid(why: str) -> Reply:
                return Reply(400, body=self._error(400, f"Validation failed: {why}"))

            if not isinstance(body, dict):
                raise invalid("expected an object")
            known = {"name", "enabled", "description"} | (set() if partial else {"key"})
            unknown = set(body) - known
            if unknown:
                raise invalid(f"unknown field(s) {', '.join(sorted(unknown))}")
            if not partial and not {"key", "name"} <= set(body):
                raise invalid("key and name are required")
            for field, value in body.items():
                if field == "enabled":
                    ok = isinstance(value, bool)
                elif field == "key":
                    ok = isinstance(value, str) and re.fullmatch(KEY_PATTERN.strip("^$"), value) is not None
                else:
                    limit, pattern = (40, r"[A-Za-z0-9 ]+") if field == "name" else (80, r"[A-Za-z0-9 ]*")
                    ok = isinstance(value, str) and len(value) <= limit and re.fullmatch(pattern, value) is not None
                if not ok:
                    raise invalid(field)
            return body

    return Handler
