"""Flextype's own Entries API, from its reference and the Flextype REST API introduction (002) alone: an entry
is named in the query string on reads and in the JSON body on writes, never in the path.

    GET     /api/entries?id=movies/amelie&token=TOKEN
    POST    /api/entries   {"id": "movies/the-hole", "access_token": TOKEN, "data": {...}}
    PATCH   /api/entries   {"id": "movies/platform", "access_token": TOKEN, "data": {...}}
    DELETE  /api/entries   {"id": "movies/platform", "access_token": TOKEN}
    GET     /api/registry?id=flextype.manifest.version&token=TOKEN

Where the document leaves room it differs from the bundled ``flextype-entries`` demo: a created entry is
answered 200 (Flextype's own status) with the entry wrapped as in the reference (its fields at the top level,
``published_at`` a Unix timestamp), slugs may hold dots and underscores, an unknown field of ``data`` is kept, a
valid token without write permission is answered 403, the registry is a second resource read by query id, and
``Access-Control-Allow-Origin: *`` is on every answer. ``writes`` logs every write it carried out, by entry id;
``ignore_token_on_delete`` makes the DELETE forget authentication (a planted hole).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from werkzeug.wrappers import Request, Response

from .serving import BoundedRequest, json_response, media_type

TOKEN, READ_ONLY = "entries-secret", "entries-reader"
SLUG = r"^[a-z0-9_.-]+(/[a-z0-9_.-]+)*$"
STATUS_TEXT = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               405: "Method Not Allowed", 409: "Conflict", 415: "Unsupported Media Type"}
REGISTRY = {"flextype.manifest.version": "1.0.0", "flextype.settings.locale": "en_US"}
EPOCH = 1_650_000_000


def spec() -> dict[str, Any]:
    error = {"description": "error", "content": {"application/json": {"schema": {
        "type": "object", "required": ["title", "message", "http_status_code"],
        "properties": {"title": {"type": "string"}, "message": {"type": "string"},
                       "http_status_code": {"type": "integer"}}}}}}
    errors = {str(s): error for s in (400, 401, 403, 404, 405, 409, 415)}
    entry = {"description": "an entry", "content": {"application/json": {"schema": {
        "type": "object", "required": ["id", "published_at"],
        "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "published_at": {"type": "integer"}},
        "additionalProperties": True}}}}
    slug = {"type": "string", "pattern": SLUG, "maxLength": 128}
    data = {"type": "object", "properties": {"title": {"type": "string", "maxLength": 60, "example": "The Hole"}},
            "required": ["title"]}

    def body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"access_token": {"type": "string"}, **properties},
            "required": required}}}}

    return {
        "openapi": "3.0.3", "info": {"title": "Flextype Entries", "version": "1.0.0"},
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "query", "name": "token"}}},
        "security": [{"token": []}],
        "paths": {
            "/api/entries": {
                "get": {"parameters": [{"name": "id", "in": "query", "required": True, "schema": slug,
                                        "example": "movies/amelie"}],
                        "responses": {"200": entry, **errors}},
                "post": {"requestBody": body({"id": {**slug, "example": "movies/the-hole"}, "data": data},
                                             ["id", "data"]),
                         "responses": {"200": entry, **errors}},
                "patch": {"requestBody": body({"id": slug, "data": {**data, "required": []}}, ["id", "data"]),
                          "responses": {"200": entry, **errors}},
                "delete": {"requestBody": body({"id": slug}, ["id"]),
                           "responses": {"204": {"description": "deleted"}, **errors}},
            },
            "/api/registry": {
                "get": {"parameters": [{"name": "id", "in": "query", "required": True,
                                        "schema": {"type": "string"}, "example": "flextype.manifest.version"}],
                        "responses": {"200": {"description": "a registry item", "content": {"application/json": {
                            "schema": {"type": "object", "required": ["key", "value"],
                                       "properties": {"key": {"type": "string"}, "value": {"type": "string"}}}}}},
                            **{k: v for k, v in errors.items() if k in ("400", "401", "403", "404", "405")}}},
            },
        },
    }


class Failure(Exception):
    def __init__(self, status: int, message: str = "", **headers: str):
        super().__init__(message)
        self.status, self.message, self.headers = status, message or STATUS_TEXT.get(status, "Error"), headers


class FlextypeEntries:
    """A WSGI application (``LoopbackServer(FlextypeEntries())``)."""

    def __init__(self, *, ignore_token_on_delete: bool = False):
        self.ignore_token_on_delete = ignore_token_on_delete
        self.lock = threading.Lock()
        self.entries: dict[str, dict[str, Any]] = {
            "movies/amelie": {"id": "movies/amelie", "title": "Amelie", "published_at": EPOCH},
            "movies/platform": {"id": "movies/platform", "title": "The Platform", "published_at": EPOCH + 60},
        }
        self.seeded = frozenset(self.entries)
        self.writes: list[tuple[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = BoundedRequest(environ)
        try:
            response = self.dispatch(request)
        except Failure as failure:
            response = json_response({"title": STATUS_TEXT.get(failure.status, "Error"), "message": failure.message,
                                      "http_status_code": failure.status}, failure.status, failure.headers)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        routes = {"/api/entries": ("GET", "HEAD", "POST", "PATCH", "DELETE"), "/api/registry": ("GET", "HEAD")}
        if request.path == "/openapi.json":
            return json_response(spec())
        allowed = routes.get(request.path.rstrip("/"))
        if allowed is None:
            raise Failure(404, "No such endpoint")
        if request.method == "OPTIONS":
            response = Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = ", ".join(allowed + ("OPTIONS",))
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
            response.headers["Access-Control-Max-Age"] = "300"
            return response
        if request.method not in allowed:
            raise Failure(405, "Method not allowed", Allow=", ".join(allowed + ("OPTIONS",)))
        if request.method in ("GET", "HEAD"):
            self.authenticate(request.args.get("token"), write=False)
            key = request.args.get("id")
            if request.path.startswith("/api/registry"):
                if not key:
                    raise Failure(400, "id is required")
                if key not in REGISTRY:
                    raise Failure(404, f"No registry item {key}")
                return json_response({"key": key, "value": REGISTRY[key]})
            return json_response(self.entry(self.slug(key)))
        body = self.body(request)
        if not (request.method == "DELETE" and self.ignore_token_on_delete):
            self.authenticate(body.get("access_token"), write=True)
        slug = self.slug(body.get("id"))
        with self.lock:
            if request.method == "POST":
                data = self.data(body, partial=False)
                if slug in self.entries:
                    raise Failure(409, f"Entry {slug} already exists")
                self.entries[slug] = {**data, "id": slug, "published_at": EPOCH + 60 * len(self.writes)}
            elif request.method == "PATCH":
                data = self.data(body, partial=True)
                self.entry(slug)
                self.entries[slug] = {**self.entries[slug], **data}
            else:
                self.entry(slug)
                del self.entries[slug]
            self.writes.append((request.method, slug))
            if request.method == "DELETE":
                return Response(status=204)
            return json_response(self.entries[slug])

    # -- pieces ---------------------------------------------------------------------------------------------
    def authenticate(self, token: Any, *, write: bool) -> None:
        if token not in (TOKEN, READ_ONLY):
            raise Failure(401, "Token is wrong", **{"WWW-Authenticate": 'Token realm="flextype"'})
        if write and token == READ_ONLY:
            raise Failure(403, "This token may only read")

    @staticmethod
    def body(request: Request) -> dict[str, Any]:
        if media_type(request.content_type) != "application/json":
            raise Failure(415, "Send JSON")
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            raise Failure(400, "Malformed JSON") from None
        if not isinstance(body, dict):
            raise Failure(400, "The body must be an object")
        return body

    @staticmethod
    def slug(value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(SLUG, value) or len(value) > 128:
            raise Failure(400, "id must be an entry id such as movies/amelie")
        return value

    def entry(self, slug: str) -> dict[str, Any]:
        found = self.entries.get(slug)
        if found is None:
            raise Failure(404, f"No entry {slug}")
        return dict(found)

    @staticmethod
    def data(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
        data = body.get("data")
        if not isinstance(data, dict):
            raise Failure(400, "data must be an object")
        if "title" in data and (not isinstance(data["title"], str) or len(data["title"]) > 60):
            raise Failure(400, "title must be a string of at most 60 characters")
        if not partial and "title" not in data:
            raise Failure(400, "title is required")
        return {k: v for k, v in data.items() if k not in ("id", "published_at")}
