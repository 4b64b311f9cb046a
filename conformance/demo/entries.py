"""A flextype demo API that names an entry the way Flextype's own Entries API does: in the query string on
reads and in the JSON body on writes, never in the path.

    GET     /api/entries?id=movies/amelie&token=...
    POST    /api/entries     {"id": "movies/the-hole", "access_token": "...", "data": {"title": ...}}
    PATCH   /api/entries     {"id": "movies/platform", "access_token": "...", "data": {"title": ...}}
    DELETE  /api/entries     {"id": "movies/platform", "access_token": "..."}
    GET     /api/health?token=...

The spec gives ``example: movies/amelie`` for the query id (an entry that exists). ``demo-token`` may do
everything; ``demo-readonly`` may read and is refused (403) on writes. Each request is answered in this order:
route (404), CORS preflight, method (405), body (415, 400 for JSON that does not parse), credential (401, 403),
input (400), entry (404). ``writes`` logs every write the server carried out, by entry id, so a test can see that
no entry the client did not create was changed.

Each ``if api.fault(...)`` names the rule it breaks, as in :mod:`conformance.demo.server`.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from .server import CORS_ALLOW_HEADERS, EPOCH, TITLES, DemoHandler, Reply, Serving, _Server

ENTRIES = "/api/entries"
HEALTH = "/api/health"
ID_PATTERN = "^[a-z0-9-]+(/[a-z0-9-]+)*$"
TEXT_PATTERN = "^[A-Za-z0-9 ]*$"
SEEDED = {"movies/amelie": "Amelie", "movies/platform": "The Platform", "movies/the-hole": "The Hole"}

# The rules the --faulty entries demo breaks on purpose: its DELETE ignores the token (every auth probe sees it).
ENTRIES_FAULTY = ["auth.missing-credentials", "auth.invalid-credentials", "auth.unsupported-channel"]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _data(*, partial: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[A-Za-z0-9 ]+$",
                  "example": "The Hole"},
        "description": {"type": "string", "maxLength": 80, "pattern": TEXT_PATTERN, "example": "A film"}}}
    if not partial:
        schema["required"] = ["title"]
    return schema


def build_entries_spec() -> dict[str, Any]:
    """The OpenAPI 3.0 description of :class:`EntriesDemoAPI`."""
    error = {"description": "error", "content": _json({"$ref": "#/components/schemas/Error"})}
    errors = {str(s): error for s in (400, 401, 403, 404, 405, 409, 415, 429, 500)}
    entry = {"description": "the entry", "content": _json({"$ref": "#/components/schemas/Entry"})}
    entry_id = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": ID_PATTERN}
    token = {"type": "string"}
    body = lambda props, required: {"required": True, "content": _json({  # noqa: E731
        "type": "object", "additionalProperties": False, "required": required, "properties": props})}
    return {
        "openapi": "3.0.3",
        "info": {"title": "flextype entries demo API", "version": "1.0.0",
                 "description": "The flextype demo whose entries are named in the query (reads) and in the JSON "
                                "body (writes), as Flextype's own Entries API does."},
        "paths": {
            ENTRIES: {
                "get": {"operationId": "fetchEntry",
                        "parameters": [{"name": "id", "in": "query", "required": True, "example": "movies/amelie",
                                        "schema": entry_id}],
                        "responses": {"200": entry, **errors}},
                "post": {"operationId": "createEntry",
                         "requestBody": body({"id": {**entry_id, "example": "movies/the-hole"}, "access_token": token,
                                              "data": _data(partial=False)}, ["id", "data"]),
                         "responses": {"201": {**entry, "links": {"fetchIt": {
                             "operationId": "fetchEntry", "parameters": {"query.id": "$response.body#/id"}}}},
                             **errors}},
                "patch": {"operationId": "updateEntry",
                          "requestBody": body({"id": entry_id, "access_token": token, "data": _data(partial=True)},
                                              ["id", "data"]),
                          "responses": {"200": entry, **errors}},
                "delete": {"operationId": "deleteEntry",
                           "requestBody": body({"id": entry_id, "access_token": token}, ["id"]),
                           "responses": {"204": {"description": "deleted"}, **errors}},
            },
            HEALTH: {"get": {"operationId": "health", "responses": {"200": {"description": "up", "content": _json({
                "type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}})},
                **{k: v for k, v in errors.items() if k in ("401", "403", "405", "429", "500")}}}},
        },
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "apiKey", "in": "query", "name": "token"}},
            "schemas": {
                "Error": {"type": "object", "required": ["title", "message", "http_status_code"],
                          "properties": {"title": {"type": "string"}, "message": {"type": "string"},
                                         "http_status_code": {"type": "integer"}}},
                "Entry": {"type": "object", "required": ["id", "title", "created_at"],
                          "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                         "description": {"type": "string", "nullable": True},
                                         "created_at": {"type": "integer", "description": "Unix timestamp"}}},
            },
        },
    }


class EntriesDemoAPI(Serving):
    """``EntriesDemoAPI().start()``; ``.url``; ``.stop()``. ``entries`` by id; ``writes``: (method, id) of every
    write carried out; ``seeded``: the ids that existed before any client came."""

    profile = "flextype"

    def __init__(self, *, faults: set[str] | frozenset[str] = frozenset(), port: int = 0, token: str | None = None,
                 forbidden_token: str | None = None):
        self.faults = set(faults)
        self.token = token or "demo-token"
        self.forbidden_token = forbidden_token or "demo-readonly"
        self.spec = build_entries_spec()
        self.lock = threading.Lock()
        self.entries: dict[str, dict[str, Any]] = {}
        self.writes: list[tuple[str, str]] = []
        for number, (entry_id, title) in enumerate(SEEDED.items()):
            self.entries[entry_id] = {"id": entry_id, "title": title, "description": "seeded",
                                      "created_at": EPOCH + number * 60}
        self.seeded = frozenset(self.entries)
        self._clock = len(SEEDED)
        self._server = _Server(("127.0.0.1", port), _handler(self))
        self._thread: threading.Thread | None = None


def _handler(api: EntriesDemoAPI):
    class Handler(DemoHandler):
        def _handle(self) -> None:
            raw, parts, query = self._read()
            try:
                status, body, headers = self._route(parts.path, query, raw)
            except Reply as reply:
                status, body, headers = reply.status, reply.body, reply.headers
                if body is None:
                    body = {"title": TITLES.get(status, "Error"), "message": reply.detail or TITLES.get(status, "Error"),
                            "http_status_code": status}
            self._send(status, body, headers)

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            payload = json.dumps(body).encode() if body is not None and status != 204 else b""
            self.send_response(status)
            headers = {"Access-Control-Allow-Origin": "*", **headers}
            if payload:
                headers["Content-Type"] = "application/json"
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _route(self, path: str, query: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
            method = self.command
            if path == "/openapi.json":
                return 200, api.spec, {}
            if path not in (ENTRIES, HEALTH):
                raise Reply(404, detail="The requested resource or endpoint could not be found")
            declared = [m.upper() for m in api.spec["paths"][path]]
            allowed = declared + (["HEAD"] if path == ENTRIES else [])
            if method == "OPTIONS":
                return 204, None, {"Access-Control-Allow-Methods": ", ".join(["OPTIONS"] + allowed),
                                   "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS, "Access-Control-Max-Age": "300"}
            if method not in allowed:
                raise Reply(405, headers={"Allow": ", ".join(allowed + ["OPTIONS"])})
            body = self._body(raw) if method in ("POST", "PATCH", "DELETE") else None
            ignored = api.fault("auth.missing-credentials") and method == "DELETE" and path == ENTRIES
            if not ignored:  # auth.missing-credentials: a DELETE that ignores the token altogether
                self._authenticate(method, query, body)
            if path == HEALTH:
                return 200, {"status": "ok"}, {}
            if method in ("GET", "HEAD"):
                return 200, self._entry(self._id(query.get("id"))), {}
            entry_id = self._id(body.get("id"))
            if method == "POST":
                return self._create(entry_id, body)
            self._entry(entry_id)  # 404 for an entry that does not exist
            if method == "DELETE":
                self._only(body, {"id", "access_token"})
                with api.lock:
                    api.entries.pop(entry_id, None)
                    api.writes.append((method, entry_id))
                return 204, None, {}
            self._only(body, {"id", "access_token", "data"})
            data = self._data(body.get("data"), partial=True)
            with api.lock:
                api.entries[entry_id].update(data)
                api.writes.append((method, entry_id))
                return 200, dict(api.entries[entry_id]), {}

        # -- the parts of a request ---------------------------------------------------------------------
        def _body(self, raw: bytes) -> dict[str, Any]:
            if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
                raise Reply(415, detail="Request bodies must be application/json")
            try:
                body = json.loads(raw)
            except ValueError:
                raise Reply(400, detail="JSON parsing error") from None
            if not isinstance(body, dict):
                raise Reply(400, detail="The body must be a JSON object")
            return body

        def _authenticate(self, method: str, query: dict[str, str], body: dict[str, Any] | None) -> None:
            credential = query.get("token") if method in ("GET", "HEAD") else (body or {}).get("access_token")
            challenge = {"WWW-Authenticate": 'Token realm="flextype"'}
            if not isinstance(credential, str) or credential != api.token and credential != api.forbidden_token:
                raise Reply(401, headers=challenge, detail="Token is wrong")
            if credential == api.forbidden_token and method not in ("GET", "HEAD"):
                raise Reply(403)

        def _id(self, value: Any) -> str:
            if not isinstance(value, str) or not value or len(value) > 100 or not re.fullmatch(ID_PATTERN, value):
                raise Reply(400, detail="id must name an entry, such as movies/amelie")
            return value

        def _entry(self, entry_id: str) -> dict[str, Any]:
            with api.lock:
                entry = api.entries.get(entry_id)
            if entry is None:
                raise Reply(404, detail="The requested resource or endpoint could not be found")
            return dict(entry)

        def _only(self, body: dict[str, Any], allowed: set[str]) -> None:
            unknown = set(body) - allowed
            if unknown:
                raise Reply(400, detail=f"Unknown field(s): {', '.join(sorted(unknown))}")

        def _data(self, data: Any, *, partial: bool) -> dict[str, Any]:
            if not isinstance(data, dict):
                raise Reply(400, detail="data must be an object")
            unknown = set(data) - {"title", "description"}
            if unknown or (not partial and "title" not in data):
                raise Reply(400, detail="data takes a title and a description")
            for key, value in data.items():
                limit = 40 if key == "title" else 80
                if not isinstance(value, str) or len(value) > limit or not re.fullmatch(TEXT_PATTERN, value) \
                        or (key == "title" and not value):
                    raise Reply(400, detail=f"Validation for this particular item failed: {key}")
            return data

        def _create(self, entry_id: str, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
            self._only(body, {"id", "access_token", "data"})
            data = self._data(body.get("data"), partial=False)
            with api.lock:
                if entry_id in api.entries:
                    raise Reply(409, detail=f"The entry {entry_id} exists already")
                api.entries[entry_id] = {"id": entry_id, "title": data["title"],
                                         "description": data.get("description"), "created_at": EPOCH + api._clock * 60}
                api._clock += 1
                api.writes.append(("POST", entry_id))
                return 201, dict(api.entries[entry_id]), {}

    return Handler


__all__ = ["ENTRIES_FAULTY", "EntriesDemoAPI", "build_entries_spec"]
