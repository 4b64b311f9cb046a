"""Notebooks and their notes, kept to the API reference overview of seed 003 (profile ``basic-crud``).

What the document asks, and how this server keeps it:

- Content type: requests with a body and every response carry ``Content-Type: application/json``
  (a body sent as anything else: 415).
- HTTP verbs: ``GET`` reads a resource or a collection; ``HEAD`` behaves like ``GET`` without the body,
  only on some resources (the notebooks, a notebook and a note; a notebook's notes and the archive action
  answer 405 to it); ``POST`` creates, or performs a non-CRUD operation (``.../archive``); ``PUT``
  replaces the whole resource (fields left out go back to their defaults); ``PATCH`` changes only the
  fields given; ``DELETE`` removes.
- Authentication: ``Authorization: Basic <base64 user:password>``; 401 with
  ``WWW-Authenticate: Basic`` without it or with wrong credentials; 403 for the read-only client on writes.
- Errors: ``{"errors": [{"message": "...", "code": N}]}`` for every error; ``10000`` is "JSON parsing
  error." with 400.
- Dates: UTC, ISO-8601.

Where the document leaves room, this server differs from the bundled demo: dates are written as Python
writes them (``2015-02-15T05:21:07.000+00:00``: UTC, ISO-8601, but ``+00:00`` rather than ``Z``);
collections are bare JSON arrays paged with ``page``/``per_page``, a ``Link`` header and
``X-Total-Count``; integer notebook ids and UUID note ids, found only by listing; validation errors are
422 with one coded error per problem; ``DELETE`` answers 204; authentication comes before routing (an
unknown path is 401 without credentials); ``OPTIONS`` is not one of the API's verbs (405).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from jsonschema import Draft202012Validator
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .serving import BoundedRequest, json_response, media_type

USER = "notes-client"
PASSWORD = "c0rrect-h0rse-battery"
READ_ONLY_USER = "auditor"
READ_ONLY_PASSWORD = "read-0nly-pass"
TOKEN = f"{USER}:{PASSWORD}"
READ_ONLY_TOKEN = f"{READ_ONLY_USER}:{READ_ONLY_PASSWORD}"

JSON_PARSING, UNSUPPORTED_MEDIA, INVALID, TOO_LARGE = 10000, 10001, 10002, 10003
UNAUTHENTICATED, FORBIDDEN = 20000, 20001
NOT_FOUND, METHOD_NOT_ALLOWED = 30000, 30001
INTERNAL = 50000

NOTEBOOK_FIELDS = {"name": {"type": "string", "minLength": 1, "maxLength": 100},
                   "description": {"type": "string", "maxLength": 500}}
NOTE_FIELDS = {"title": {"type": "string", "minLength": 1, "maxLength": 200},
               "body": {"type": "string", "maxLength": 10000},
               "tags": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1, "maxLength": 30}},
               "pinned": {"type": "boolean"}}
SCHEMAS = {
    "NotebookInput": {"type": "object", "required": ["name"], "properties": NOTEBOOK_FIELDS},
    "NotebookPatch": {"type": "object", "properties": NOTEBOOK_FIELDS},
    "NoteInput": {"type": "object", "required": ["title", "body"], "properties": NOTE_FIELDS},
    "NotePatch": {"type": "object", "properties": NOTE_FIELDS},
}
_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in SCHEMAS.items()}
NOTEBOOK_DEFAULTS = {"description": ""}
NOTE_DEFAULTS = {"tags": [], "pinned": False}
HEAD_ENDPOINTS = {"list_notebooks", "get_notebook", "get_note"}


class _Fail(Exception):
    def __init__(self, status: int, errors: list[tuple[str, int]], headers: dict[str, str] | None = None) -> None:
        super().__init__(errors[0][0])
        self.status, self.errors, self.headers = status, errors, headers or {}


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _now() -> str:
    return _iso(datetime.now(timezone.utc))


class BasicCrudNotes:
    """The WSGI application. Notebook ids and note ids are found by listing."""

    def __init__(self, token: str = TOKEN, read_only_token: str = READ_ONLY_TOKEN) -> None:
        self.users = {token: "write", read_only_token: "read"}
        self.lock = threading.Lock()
        self.notebooks: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, dict[str, dict[str, Any]]] = {}
        self.next_id = 4101
        self._seed()
        base = "/v1/notebooks"
        self.url_map = Map([
            Rule(base, methods=["GET"], endpoint="list_notebooks"),
            Rule(base, methods=["POST"], endpoint="create_notebook"),
            Rule(base + "/<int:notebook_id>", methods=["GET"], endpoint="get_notebook"),
            Rule(base + "/<int:notebook_id>", methods=["PUT"], endpoint="replace_notebook"),
            Rule(base + "/<int:notebook_id>", methods=["PATCH"], endpoint="patch_notebook"),
            Rule(base + "/<int:notebook_id>", methods=["DELETE"], endpoint="delete_notebook"),
            Rule(base + "/<int:notebook_id>/notes", methods=["GET"], endpoint="list_notes"),
            Rule(base + "/<int:notebook_id>/notes", methods=["POST"], endpoint="create_note"),
            Rule(base + "/<int:notebook_id>/notes/<note_id>", methods=["GET"], endpoint="get_note"),
            Rule(base + "/<int:notebook_id>/notes/<note_id>", methods=["PUT"], endpoint="replace_note"),
            Rule(base + "/<int:notebook_id>/notes/<note_id>", methods=["PATCH"], endpoint="patch_note"),
            Rule(base + "/<int:notebook_id>/notes/<note_id>", methods=["DELETE"], endpoint="delete_note"),
            Rule(base + "/<int:notebook_id>/notes/<note_id>/archive", methods=["POST"], endpoint="archive_note"),
        ], strict_slashes=False, merge_slashes=False)

    # -- data ---------------------------------------------------------------------------------------

    def _seed(self) -> None:
        start = datetime(2015, 2, 15, 5, 21, 7, tzinfo=timezone.utc)
        for n, (name, count) in enumerate([("Work", 23), ("Recipes", 4), ("Travel", 0)]):
            at = start + timedelta(days=n)
            notebook = self._new_notebook({"name": name, "description": f"{name} notes"}, _iso(at))
            for i in range(count):
                self._new_note(notebook, {"title": f"{name} note {i + 1}", "body": f"Text of note {i + 1}.",
                                          "tags": ["draft"] if i % 3 == 0 else [], "pinned": i == 0},
                               _iso(at + timedelta(minutes=7 * i)))

    def _new_notebook(self, fields: dict[str, Any], at: str) -> dict[str, Any]:
        notebook_id, self.next_id = self.next_id, self.next_id + 1
        notebook = {"id": notebook_id, **NOTEBOOK_DEFAULTS, **fields, "noteCount": 0, "createdAt": at, "updatedAt": at}
        self.notebooks[notebook_id] = notebook
        self.notes[notebook_id] = {}
        return notebook

    def _new_note(self, notebook: dict[str, Any], fields: dict[str, Any], at: str) -> dict[str, Any]:
        note = {"id": str(uuid.uuid4()), "notebookId": notebook["id"], **copy.deepcopy(NOTE_DEFAULTS),
                **copy.deepcopy(fields), "archived": False, "createdAt": at, "updatedAt": at}
        self.notes[notebook["id"]][note["id"]] = note
        notebook["noteCount"] += 1
        return note

    def documented_ids(self) -> dict[str, Any]:
        """Real ids, for a spec that documents examples from this data (the notebook with 23 notes)."""
        notebook_id = next(iter(self.notebooks))
        return {"notebookId": notebook_id, "noteId": next(iter(self.notes[notebook_id]))}

    # -- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = BoundedRequest(environ)
        try:
            response = self._dispatch(request)
        except _Fail as fail:
            response = self._json({"errors": [{"message": m, "code": c} for m, c in fail.errors]},
                                  fail.status, fail.headers)
        except Exception:  # noqa: BLE001  (an answer, never a traceback)
            response = self._json({"errors": [{"message": "Internal server error.", "code": INTERNAL}]}, 500)
        response.headers["X-Api-Version"] = "1"
        return response(environ, start_response)

    @staticmethod
    def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return json_response(payload, status, headers, content_type="application/json")

    def _dispatch(self, request: BoundedRequest) -> Response:
        try:
            body = request.get_data(cache=True)  # always read the body first
        except RequestEntityTooLarge:
            raise _Fail(413, [("Request body too large.", TOO_LARGE)]) from None
        role = self.users.get(_basic_credentials(request.headers.get("Authorization")) or "")
        if role is None:
            raise _Fail(401, [("Authentication required.", UNAUTHENTICATED)],
                        {"WWW-Authenticate": 'Basic realm="Notes API", charset="UTF-8"'})
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed as exc:
            raise self._not_allowed(request, exc.valid_methods or []) from None
        except NotFound:
            raise _Fail(404, [("Resource not found.", NOT_FOUND)]) from None
        if request.method == "HEAD" and endpoint not in HEAD_ENDPOINTS:
            raise self._not_allowed(request, adapter.allowed_methods())
        if request.method not in ("GET", "HEAD") and role != "write":
            raise _Fail(403, [("This client may only read.", FORBIDDEN)])
        payload = _json_body(request, body)
        return getattr(self, endpoint)(request, payload, **args)

    def _not_allowed(self, request: BoundedRequest, methods: list[str]) -> _Fail:
        """405 with ``Allow``: the path's methods, HEAD only where this resource has it."""
        adapter = self.url_map.bind_to_environ(request.environ)
        allowed = [m for m in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] if m in methods]
        if "HEAD" in allowed:
            endpoint, _ = adapter.match(method="GET")
            if endpoint not in HEAD_ENDPOINTS:
                allowed.remove("HEAD")
        return _Fail(405, [(f"Method {request.method} is not allowed here.", METHOD_NOT_ALLOWED)],
                     {"Allow": ", ".join(allowed)})

    # -- helpers --------------------------------------------------------------------------------------

    @staticmethod
    def _valid(kind: str, payload: Any) -> dict[str, Any]:
        if payload is None:
            raise _Fail(400, [("JSON parsing error.", JSON_PARSING)])
        errors = []
        for error in sorted(_VALIDATORS[kind].iter_errors(payload), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.path)
            errors.append((f"{where}: {error.message}" if where else error.message, INVALID))
        if errors:
            raise _Fail(422, errors)
        return {k: v for k, v in payload.items() if k in SCHEMAS[kind]["properties"]}

    def _notebook(self, notebook_id: int) -> dict[str, Any]:
        notebook = self.notebooks.get(notebook_id)
        if notebook is None:
            raise _Fail(404, [("Notebook not found.", NOT_FOUND)])
        return notebook

    def _note(self, notebook_id: int, note_id: str) -> dict[str, Any]:
        self._notebook(notebook_id)
        note = self.notes[notebook_id].get(note_id)
        if note is None:
            raise _Fail(404, [("Note not found.", NOT_FOUND)])
        return note

    def _listing(self, request: BoundedRequest, items: list[dict[str, Any]]) -> Response:
        errors = []
        page = _int_param(request.args.get("page"), 1, 1, 100_000, "page", errors)
        per_page = _int_param(request.args.get("per_page"), 20, 1, 100, "per_page", errors)
        if errors:
            raise _Fail(422, errors)
        last = max(1, math.ceil(len(items) / per_page))
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]

        def link(n: int, rel: str) -> str:
            return f'<{request.base_url}?{urlencode(kept + [("page", n)])}>; rel="{rel}"'

        links = [link(1, "first"), link(last, "last")]
        if page > 1:
            links.append(link(page - 1, "prev"))
        if page < last:
            links.append(link(page + 1, "next"))
        chunk = copy.deepcopy(items[(page - 1) * per_page:page * per_page])
        return self._json(chunk, headers={"Link": ", ".join(links), "X-Total-Count": str(len(items))})

    # -- endpoints ------------------------------------------------------------------------------------

    def list_notebooks(self, request: BoundedRequest, payload: Any) -> Response:
        with self.lock:
            return self._listing(request, list(self.notebooks.values()))

    def create_notebook(self, request: BoundedRequest, payload: Any) -> Response:
        fields = self._valid("NotebookInput", payload)
        with self.lock:
            notebook = self._new_notebook(fields, _now())
            return self._json(copy.deepcopy(notebook), 201, {"Location": f"/v1/notebooks/{notebook['id']}"})

    def get_notebook(self, request: BoundedRequest, payload: Any, notebook_id: int) -> Response:
        with self.lock:
            return self._json(copy.deepcopy(self._notebook(notebook_id)))

    def replace_notebook(self, request: BoundedRequest, payload: Any, notebook_id: int) -> Response:
        with self.lock:
            notebook = self._notebook(notebook_id)
            fields = self._valid("NotebookInput", payload)
            notebook.update({**NOTEBOOK_DEFAULTS, **fields, "updatedAt": _now()})
            return self._json(copy.deepcopy(notebook))

    def patch_notebook(self, request: BoundedRequest, payload: Any, notebook_id: int) -> Response:
        with self.lock:
            notebook = self._notebook(notebook_id)
            notebook.update({**self._valid("NotebookPatch", payload), "updatedAt": _now()})
            return self._json(copy.deepcopy(notebook))

    def delete_notebook(self, request: BoundedRequest, payload: Any, notebook_id: int) -> Response:
        with self.lock:
            self._notebook(notebook_id)
            del self.notebooks[notebook_id], self.notes[notebook_id]
            return Response(status=204, content_type="application/json")

    def list_notes(self, request: BoundedRequest, payload: Any, notebook_id: int) -> Response:
        pinned = request.args.get("pinned")
        if pinned not in (None, "true", "false"):
            raise _Fail(422, [("pinned: must be true or false", INVALID)])
        with self.lock:
            self._notebook(notebook_id)
            items = list(self.notes[notebook_id].values())
            if pinned is not None:
                items = [n for n in items if n["pinned"] == (pinned == "true")]
            return self._listing(request, items)

    def create_note(self, request: BoundedRequest, payload: Any, notebook_id: int) -> Response:
        with self.lock:
            notebook = self._notebook(notebook_id)
            note = self._new_note(notebook, self._valid("NoteInput", payload), _now())
            return self._json(copy.deepcopy(note), 201,
                              {"Location": f"/v1/notebooks/{notebook_id}/notes/{note['id']}"})

    def get_note(self, request: BoundedRequest, payload: Any, notebook_id: int, note_id: str) -> Response:
        with self.lock:
            return self._json(copy.deepcopy(self._note(notebook_id, note_id)))

    def replace_note(self, request: BoundedRequest, payload: Any, notebook_id: int, note_id: str) -> Response:
        with self.lock:
            note = self._note(notebook_id, note_id)
            note.update({**copy.deepcopy(NOTE_DEFAULTS), **self._valid("NoteInput", payload), "updatedAt": _now()})
            return self._json(copy.deepcopy(note))

    def patch_note(self, request: BoundedRequest, payload: Any, notebook_id: int, note_id: str) -> Response:
        with self.lock:
            note = self._note(notebook_id, note_id)
            note.update({**self._valid("NotePatch", payload), "updatedAt": _now()})
            return self._json(copy.deepcopy(note))

    def delete_note(self, request: BoundedRequest, payload: Any, notebook_id: int, note_id: str) -> Response:
        with self.lock:
            self._note(notebook_id, note_id)
            del self.notes[notebook_id][note_id]
            self.notebooks[notebook_id]["noteCount"] -= 1
            return Response(status=204, content_type="application/json")

    def archive_note(self, request: BoundedRequest, payload: Any, notebook_id: int, note_id: str) -> Response:
        with self.lock:
            note = self._note(notebook_id, note_id)
            note.update(archived=True, pinned=False, updatedAt=_now())
            return self._json(copy.deepcopy(note))


def _basic_credentials(header: str | None) -> str | None:
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _json_body(request: BoundedRequest, body: bytes) -> Any:
    """The parsed body; None when there is none. Non-JSON media types are 415, bad JSON is 400/10000."""
    if not body:
        return None
    if media_type(request.content_type) != "application/json":
        raise _Fail(415, [("Content-Type must be application/json.", UNSUPPORTED_MEDIA)])
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError):
        raise _Fail(400, [("JSON parsing error.", JSON_PARSING)]) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _int_param(raw: str | None, default: int, low: int, high: int, name: str, errors: list[tuple[str, int]]) -> int:
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not low <= int(raw) <= high:
        errors.append((f"{name}: must be an integer from {low} to {high}", INVALID))
        return default
    return int(raw)


# -- the OpenAPI description, as the team keeps it ----------------------------------------------------

_NOTEBOOK_ID = {"name": "notebookId", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_NOTE_ID = {"name": "noteId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
_PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
           {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}]
_ERR = {"$ref": "#/components/responses/Error"}


def _errs(*codes: int) -> dict[str, Any]:
    return {str(code): _ERR for code in codes}


def _body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": ref}}}}


def _one(ref: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def _many(ref: str) -> dict[str, Any]:
    return {"description": "A page of the collection",
            "headers": {"Link": {"schema": {"type": "string"}}, "X-Total-Count": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": ref}}}}}


_NB = "#/components/schemas/Notebook"
_NOTE = "#/components/schemas/Note"
_HEAD_OK = {"description": "The headers of the GET answer, without its body"}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Notes API", "version": "1.0.0"},
    "servers": [{"url": "https://notes.example.test"}],
    "security": [{"basicAuth": []}],
    "paths": {
        "/v1/notebooks": {
            "get": {"operationId": "listNotebooks", "parameters": _PAGING, "responses": {"200": _many(_NB), **_errs(401, 422)}},
            "head": {"operationId": "headNotebooks", "parameters": _PAGING,
                     "responses": {"200": _HEAD_OK, "401": {"description": "Unauthenticated"},
                                   "422": {"description": "Invalid paging parameters (as for GET)"}}},
            "post": {"operationId": "createNotebook", "requestBody": _body("#/components/schemas/NotebookInput"),
                     "responses": {"201": _one(_NB, "Created"), **_errs(400, 401, 403, 415, 422)}},
        },
        "/v1/notebooks/{notebookId}": {
            "parameters": [_NOTEBOOK_ID],
            "get": {"operationId": "getNotebook", "responses": {"200": _one(_NB), **_errs(401, 404)}},
            "head": {"operationId": "headNotebook", "responses": {"200": _HEAD_OK, "401": {"description": "Unauthenticated"},
                                                                  "404": {"description": "Not found"}}},
            "put": {"operationId": "replaceNotebook", "requestBody": _body("#/components/schemas/NotebookInput"),
                    "responses": {"200": _one(_NB), **_errs(400, 401, 403, 404, 415, 422)}},
            "patch": {"operationId": "updateNotebook", "requestBody": _body("#/components/schemas/NotebookPatch"),
                      "responses": {"200": _one(_NB), **_errs(400, 401, 403, 404, 415, 422)}},
            "delete": {"operationId": "deleteNotebook", "responses": {"204": {"description": "Deleted"}, **_errs(401, 403, 404)}},
        },
        "/v1/notebooks/{notebookId}/notes": {
            "parameters": [_NOTEBOOK_ID],
            "get": {"operationId": "listNotes",
                    "parameters": [*_PAGING, {"name": "pinned", "in": "query", "schema": {"type": "boolean"}, "example": True}],
                    "responses": {"200": _many(_NOTE), **_errs(401, 404, 422)}},
            "post": {"operationId": "createNote", "requestBody": _body("#/components/schemas/NoteInput"),
                     "responses": {"201": _one(_NOTE, "Created"), **_errs(400, 401, 403, 404, 415, 422)}},
        },
        "/v1/notebooks/{notebookId}/notes/{noteId}": {
            "parameters": [_NOTEBOOK_ID, _NOTE_ID],
            "get": {"operationId": "getNote", "responses": {"200": _one(_NOTE), **_errs(401, 404)}},
            "head": {"operationId": "headNote", "responses": {"200": _HEAD_OK, "401": {"description": "Unauthenticated"},
                                                              "404": {"description": "Not found"}}},
            "put": {"operationId": "replaceNote", "requestBody": _body("#/components/schemas/NoteInput"),
                    "responses": {"200": _one(_NOTE), **_errs(400, 401, 403, 404, 415, 422)}},
            "patch": {"operationId": "updateNote", "requestBody": _body("#/components/schemas/NotePatch"),
                      "responses": {"200": _one(_NOTE), **_errs(400, 401, 403, 404, 415, 422)}},
            "delete": {"operationId": "deleteNote", "responses": {"204": {"description": "Deleted"}, **_errs(401, 403, 404)}},
        },
        "/v1/notebooks/{notebookId}/notes/{noteId}/archive": {
            "parameters": [_NOTEBOOK_ID, _NOTE_ID],
            "post": {"operationId": "archiveNote", "summary": "Archive a note (and unpin it)",
                     "responses": {"200": _one(_NOTE), **_errs(400, 401, 403, 404, 415)}},
        },
    },
    "components": {
        "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}},
        "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}},
        "schemas": {
            "Errors": {"type": "object", "required": ["errors"],
                       "properties": {"errors": {"type": "array", "minItems": 1, "items": {
                           "type": "object", "required": ["message", "code"],
                           "properties": {"message": {"type": "string"}, "code": {"type": "integer"}}}}}},
            "Notebook": {"type": "object", "required": ["id", "name", "description", "noteCount", "createdAt", "updatedAt"],
                         "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "description": {"type": "string"},
                                        "noteCount": {"type": "integer"}, "createdAt": {"type": "string", "format": "date-time"},
                                        "updatedAt": {"type": "string", "format": "date-time"}}},
            "Note": {"type": "object",
                     "required": ["id", "notebookId", "title", "body", "tags", "pinned", "archived", "createdAt", "updatedAt"],
                     "properties": {"id": {"type": "string", "format": "uuid"}, "notebookId": {"type": "integer"},
                                    "title": {"type": "string"}, "body": {"type": "string"},
                                    "tags": {"type": "array", "items": {"type": "string"}}, "pinned": {"type": "boolean"},
                                    "archived": {"type": "boolean"}, "createdAt": {"type": "string", "format": "date-time"},
                                    "updatedAt": {"type": "string", "format": "date-time"}}},
            **SCHEMAS,
        },
    },
}
