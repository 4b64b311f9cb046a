"""A small stdlib HTTP server that plays one profile's reference API.

Each ``if self.fault(...)`` names the rule it breaks, so a test can start a server that breaks exactly
that rule, and ``conformance demo --faulty`` starts one with the FAULTY set.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .specs import LAYOUT, build_spec

PROFILES = tuple(LAYOUT)
DEFAULT_TOKEN = {"featbit": "demo-token", "flextype": "demo-token", "basic-crud": "demo:demo-password",
                 "connectnow": "demo-token"}
# A valid credential without permission: every demo refuses it with 403 (RFC 9110 15.5.4).
DEFAULT_FORBIDDEN = {"featbit": "demo-readonly", "flextype": "demo-readonly", "basic-crud": "reader:reader-password",
                     "connectnow": "demo-readonly"}

# The rules each --faulty demo breaks on purpose (normative ones: a rule only the document's example supports
# is advisory and fails no run).
FAULTY = {
    "featbit": ["auth.invalid-credentials", "content-type.json-response", "cors.preflight", "cors.vary-origin"],
    "flextype": ["auth.invalid-credentials", "dates.unix-seconds", "errors.not-found"],
    "basic-crud": ["auth.challenge", "content-type.json-request", "dates.iso8601-utc", "methods.head"],
    "connectnow": ["auth.forbidden-credentials", "errors.invalid-input", "methods.not-allowed", "naming.plural-resources"],
}

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests"}
CODES = {400: 10001, 401: 20001, 403: 20003, 404: 30004, 405: 30005, 415: 10015, 422: 10022, 429: 40029}
FEATBIT_ERRORS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "ResourceNotFound",
                  405: "MethodNotAllowed", 415: "UnsupportedMediaType", 422: "ValidationFailed", 429: "TooManyRequests"}
CORS_ALLOW_HEADERS = "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization"
EPOCH = 1_700_000_000


class Raw(bytes):
    """A body sent as it is, not as JSON."""


class Reply(Exception):
    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None, detail: str = ""):
        super().__init__(status)
        self.status, self.body, self.headers, self.detail = status, body, headers or {}, detail


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-request is not the server's problem


class Serving:
    """A demo API's life on loopback: ``start()`` serves ``self._server`` in a thread, ``stop()`` ends it, ``url``
    says where, ``fault(rule_id)`` whether that rule is broken on purpose."""

    _server: _Server
    faults: set[str]

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):  # -> Self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):  # -> Self
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def fault(self, rule_id: str) -> bool:
        return rule_id in self.faults


class DemoAPI(Serving):
    """Start with ``DemoAPI("featbit").start()``; ``.url`` is the base URL; ``.stop()`` ends it."""

    def __init__(self, profile: str, *, faults: set[str] | frozenset[str] = frozenset(), port: int = 0,
                 token: str | None = None, forbidden_token: str | None = None, rate_limit: int | None = None,
                 echo_credentials: bool = False):
        if profile not in LAYOUT:
            raise ValueError(f"unknown demo profile {profile!r}; known: {', '.join(PROFILES)}")
        self.profile = profile
        self.echo_credentials = echo_credentials  # a careless API that repeats what it was sent in its errors
        self.faults = set(faults)
        self.token = token or DEFAULT_TOKEN[profile]
        self.forbidden_token = forbidden_token or DEFAULT_FORBIDDEN[profile] or "demo-readonly"
        self.spec = build_spec(profile)
        if "naming.plural-resources" in self.faults:
            self._rename_singular()
        if "naming.item-under-collection" in self.faults:
            collection = LAYOUT[profile][0]
            self.spec["paths"][collection.rsplit("/", 1)[0] + "/all-" + collection.rsplit("/", 1)[1]] = \
                self.spec["paths"].pop(collection)
        self.collection, self.item = self._paths()
        self._own_faults_in_spec()
        self.rate_limit = rate_limit  # rate-limit.retry-after: more than this many requests in a second get 429
        self._window: tuple[int, int] = (0, 0)
        self.lock = threading.Lock()
        self.items: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        for n in range(12 if profile == "connectnow" else 3):
            self._create({"name": f"Sample {n + 1}", "description": "seeded"})
        self.requests: list[tuple[str, str]] = []
        self._server = _Server(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def _own_faults_in_spec(self) -> None:
        """The spec says what the faulty server does, so that only the faulted rule breaks."""
        operations = self.spec["paths"].get(self.collection, {})
        if self.fault("pagination.fields") and "get" in operations:  # pages leave out 'to'; the spec allows it
            listing = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            listing["required"] = [f for f in listing.get("required", []) if f != "to"]
        if self.fault("methods.create-status") and "post" in operations:  # POST answers a documented 200
            operations["post"]["responses"]["200"] = operations["post"]["responses"]["201"]
        if self.fault("schema.security-schemes"):  # the spec documents an API key the server does not take
            self.spec["components"]["securitySchemes"] = {"apiKey": {"type": "apiKey", "in": "header",
                                                                     "name": "X-API-Key"}}
            self.spec["security"] = [{"apiKey": []}]
        if self.fault("errors.envelope-example"):  # error bodies keep only `errors`; the spec says so
            schemas = self.spec["components"]["schemas"]
            schemas["Error"] = {**schemas["Error"], "required": ["errors"]}  # a copy: the table is shared

    def over_rate_limit(self, path: str) -> bool:
        """rate-limit.retry-after: count the requests of the current second (the spec itself is free)."""
        if not self.rate_limit or path == "/openapi.json":
            return False
        with self.lock:
            second = int(time.monotonic())
            count = self._window[1] + 1 if self._window[0] == second else 1
            self._window = (second, count)
            return count > self.rate_limit

    def _paths(self) -> tuple[str, str]:
        collection, item = LAYOUT[self.profile][0], LAYOUT[self.profile][1]
        if "naming.plural-resources" in self.faults:
            collection, item = collection.rstrip("s"), item.replace("s/{id}", "/{id}")
        if "naming.item-under-collection" in self.faults:  # the items no longer live under their collection
            collection = collection.rsplit("/", 1)[0] + "/all-" + collection.rsplit("/", 1)[1]
        return collection, item

    def _rename_singular(self) -> None:
        collection, item = LAYOUT[self.profile][0], LAYOUT[self.profile][1]
        paths = self.spec["paths"]
        paths[collection.rstrip("s")] = paths.pop(collection)
        paths[item.replace("s/{id}", "/{id}")] = paths.pop(item)

    # -- resources -----------------------------------------------------------------------------
    def _create(self, data: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record = {"id": self.next_id, "name": data["name"], "description": data.get("description"),
                      "created": EPOCH + self.next_id * 60}
            self.items[self.next_id] = record
            self.next_id += 1
            return record

    def present(self, record: dict[str, Any]) -> dict[str, Any]:
        created = record["created"]
        if self.profile == "flextype":
            value: Any = created * 1000 if self.fault("dates.unix-seconds") else created
        elif self.fault("dates.iso8601-utc"):
            value = time.strftime("%Y-%m-%dT%H:%M:%S+02:00", time.gmtime(created + 7200))
        else:
            value = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))
        name: Any = len(record["name"]) if self.fault("schema.response-conformance") else record["name"]
        return {"id": record["id"], "name": name, "description": record["description"], "created_at": value}


class DemoHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, Nagle off, quiet; every method goes to ``_handle``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "conformance-demo"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self): self._handle()
    def do_POST(self): self._handle()
    def do_PUT(self): self._handle()
    def do_PATCH(self): self._handle()
    def do_DELETE(self): self._handle()
    def do_HEAD(self): self._handle()
    def do_OPTIONS(self): self._handle()

    def _handle(self) -> None:
        raise NotImplementedError

    def _read(self) -> tuple[bytes, Any, dict[str, str]]:
        """The request's body (always drained, for keep-alive), its URL parts and its query (first values)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        return raw, parts, {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


def _handler(api: DemoAPI):
    class Handler(DemoHandler):
        def _handle(self) -> None:
            raw, parts, query = self._read()
            api.requests.append((self.command, parts.path))
            if api.over_rate_limit(parts.path):  # rate-limit.retry-after: the 429 says when to retry, unless faulty
                headers = {} if api.fault("rate-limit.retry-after") else {"Retry-After": "1"}
                self._send(429, self._error(429, "Too many requests: slow down"), headers)
                return
            extra: dict[str, str] = {}
            try:
                status, body, extra = self._route(parts.path, query, raw)
            except Reply as reply:
                status, extra = reply.status, reply.headers
                body = reply.body if reply.body is not None else self._error(reply.status, reply.detail)
            self._send(status, body, extra)

        # -- building answers ----------------------------------------------------------------
        def _error(self, status: int, detail: str = "") -> Any:
            profile = api.profile
            if api.echo_credentials:
                detail = f"{detail} (you sent {self.headers.get('Authorization')} to {self.path})"
            if api.fault("errors.envelope") and status == 404:
                # flextype asks only for a JSON body: its fault is a body that is not JSON
                return Raw(b"Not Found") if profile == "flextype" else {"error": "not found"}
            if profile == "featbit":
                errors = [FEATBIT_ERRORS.get(status, "Error")] + ([detail] if api.echo_credentials else [])
                if api.fault("errors.envelope-example"):  # the normative `errors`, without the example's fields
                    return {"errors": errors}
                return {"success": False, "errors": errors, "data": None}
            if profile == "flextype":
                return {"title": TITLES.get(status, "Error"), "message": detail or TITLES.get(status, "Error"),
                        "http_status_code": status}
            if profile == "basic-crud":
                return {"errors": [{"message": detail or TITLES.get(status, "Error"), "code": CODES.get(status, 1)}]}
            return {"message": detail or TITLES.get(status, "Error")}

        def _cors(self, headers: dict[str, str], status: int) -> None:
            if api.profile not in ("featbit", "flextype"):
                return
            origin = self.headers.get("Origin")
            if api.profile == "flextype":
                if not (api.fault("cors.allow-origin") and status >= 400):
                    headers["Access-Control-Allow-Origin"] = "*"
                if api.fault("cors.credentials-wildcard"):
                    headers["Access-Control-Allow-Credentials"] = "true"
                return
            if origin:  # echoed, so credentials may be allowed
                echoed = "https://featbit.example" if api.fault("cors.origin-echo") else origin
                headers["Access-Control-Allow-Origin"] = echoed
                headers["Access-Control-Allow-Credentials"] = "true"
                if not api.fault("cors.vary-origin"):
                    headers["Vary"] = "Origin"
            elif not api.fault("cors.wildcard-without-origin"):
                headers["Access-Control-Allow-Origin"] = "*"
                if api.fault("cors.credentials-wildcard"):
                    headers["Access-Control-Allow-Credentials"] = "true"

        def _send(self, status: int, body: Any, extra: dict[str, str]) -> None:
            headers = dict(extra)
            self._cors(headers, status)
            payload = b""
            if body is not None and status not in (204, 304):
                payload = bytes(body) if isinstance(body, Raw) else json.dumps(body).encode()
                if "Content-Type" not in headers:
                    plain = api.fault("content-type.json-response") and status == 404
                    headers["Content-Type"] = "text/plain" if plain else "application/json"
                    if api.fault("content-type.utf8"):
                        headers["Content-Type"] = "application/json; charset=iso-8859-1"
                        payload = json.dumps(body, ensure_ascii=False).encode("latin-1", "replace")
            if self.command == "HEAD" and api.fault("methods.head-headers"):
                headers.pop("Content-Type", None)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            if self.command == "HEAD" and api.fault("methods.head"):
                # methods.head: content after HEAD's headers, in the same write; the raw HEAD sees it, and a client
                # library reading the headers takes it into its buffer and drops it with the answer, rather than
                # find it on a pooled connection later (a second write can come after the library looked)
                self._headers_buffer.append(b"\r\n" + payload)
                self.flush_headers()
                return
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        # -- auth ------------------------------------------------------------------------------
        def _credential(self, query: dict[str, str], body: Any) -> str | None:
            auth = self.headers.get("Authorization")
            profile, method = api.profile, self.command
            if profile == "featbit":
                if api.fault("auth.unsupported-channel") and auth is None:
                    return query.get("token") or query.get("access_token")
                return auth  # the raw token is the whole value; nothing else counts
            if profile == "flextype":
                if api.fault("auth.unsupported-channel") and auth and auth.startswith("Bearer "):
                    return auth[7:]
                if method in ("GET", "HEAD"):
                    return query.get("token")
                return body.get("access_token") if isinstance(body, dict) else None
            if profile == "basic-crud":
                if auth and auth.startswith("Basic "):
                    try:
                        return base64.b64decode(auth[6:]).decode()
                    except ValueError:
                        return "invalid"
                return None
            if auth and auth.startswith("Bearer "):
                return auth[7:]
            if "api_token" in query:
                return query["api_token"]
            if isinstance(body, dict) and "api_token" in body:
                return body["api_token"]
            return None

        def _authenticate(self, query: dict[str, str], body: Any) -> None:
            credential = self._credential(query, body)
            challenge = {"basic-crud": 'Basic realm="demo"', "featbit": "Bearer", "flextype": 'Token realm="flextype"',
                         "connectnow": 'Bearer realm="connectnow"'}[api.profile]
            headers = {} if api.fault("auth.challenge") else {"WWW-Authenticate": challenge}
            if credential is None:
                if api.fault("auth.missing-credentials"):
                    raise Reply(403)
                raise Reply(401, headers=headers, detail="Token is wrong")
            if credential == api.forbidden_token:
                if api.fault("auth.forbidden-credentials"):
                    raise Reply(401, headers=headers, detail="Token is wrong")
                raise Reply(403)
            if credential != api.token:
                if api.fault("auth.invalid-credentials"):
                    raise Reply(403)
                raise Reply(401, headers=headers, detail="Token is wrong")
            if api.fault("auth.valid-credentials"):
                raise Reply(403)

        # -- routing ---------------------------------------------------------------------------
        def _route(self, path: str, query: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
            method = self.command
            if path == "/openapi.json":
                return 200, api.spec, {}
            paths = api.spec["paths"]
            template, item_id = None, None
            public = LAYOUT[api.profile][5]
            if path == api.collection:
                template = api.collection
            elif path == public:
                template = public
            else:
                match = re.fullmatch(re.escape(api.item).replace(r"\{id\}", "([^/]+)"), path)
                if match:
                    template = api.item
                    item_id = match.group(1)
            if template is None:
                raise Reply(404, detail="The requested resource or endpoint could not be found")
            declared = [m.upper() for m in paths[template]]
            # HEAD wherever GET is, but on the health check (a 405 with Allow: HTTP lets a resource not offer it)
            allowed = declared + (["HEAD"] if "GET" in declared and template != public else [])
            if method == "OPTIONS" and api.profile in ("featbit", "flextype"):
                return 204, None, self._preflight(allowed)
            if method not in allowed:
                if api.fault("methods.not-allowed") and method != "HEAD":  # HEAD is methods.head's to judge
                    raise Reply(404)
                allow = {} if api.fault("methods.allow-header") else {"Allow": ", ".join(allowed + ["OPTIONS"])}
                raise Reply(405, headers=allow)
            body = self._body(raw) if method in ("POST", "PUT", "PATCH", "DELETE") and raw else None
            if template == public:
                if api.fault("schema.security-documented") or api.profile != "connectnow":
                    self._authenticate(query, None)
                if api.fault("server-errors.no-5xx"):
                    raise Reply(500, detail="The health check crashed")
                return (202 if api.fault("schema.status-documented") else 200), {"status": "ok"}, {}
            if isinstance(body, Reply):
                raise body  # a body that is not JSON is refused before anything else
            # "auth.ignored": the worst door of all, reading one resource needs no credential whatsoever.
            if not (api.fault("auth.ignored") and template == api.item and method == "GET"):
                self._authenticate(query, body if isinstance(body, dict) else None)
            if template == api.collection:
                return self._collection(method, query, body)
            return self._item(method, item_id, body)

        def _preflight(self, allowed: list[str]) -> dict[str, str]:
            methods = ["OPTIONS", "GET"] if api.fault("cors.preflight") else ["OPTIONS"] + allowed
            headers = {"Access-Control-Allow-Methods": ", ".join(methods),
                       "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                       "Access-Control-Max-Age": "600" if api.fault("cors.max-age") else "300"}
            return headers

        def _body(self, raw: bytes) -> Any:
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if content_type == "application/x-www-form-urlencoded" and api.fault("content-type.json-request"):
                return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            if content_type != "application/json":
                return Reply(415, detail="Request bodies must be application/json")
            try:
                return json.loads(raw)
            except ValueError:
                if api.profile == "basic-crud":
                    status = 422 if api.fault("errors.malformed-json") else 400
                    return Reply(status, {"errors": [{"message": "JSON parsing error.", "code": 10000}]})
                if api.profile == "connectnow":  # its table: 422 for "Your request is malformed"
                    return Reply(400 if api.fault("errors.malformed-json") else 422, detail="JSON parsing error")
                if api.fault("errors.malformed-json"):  # the base rule: any 4xx; the fault is a crash
                    return Reply(500, detail="Unexpected token in JSON")
                return Reply(400, detail="JSON parsing error")

        def _validate(self, body: Any, *, partial: bool) -> dict[str, Any]:
            status = 422 if api.profile == "connectnow" else 400
            if api.fault("errors.invalid-input"):
                status = 400 if status == 422 else 422
            if not isinstance(body, dict):
                raise Reply(status, detail="Validation for this particular item failed: expected an object")
            data = {k: v for k, v in body.items() if k not in ("access_token", "api_token")}
            unknown = set(data) - {"name", "description"}
            if unknown:
                raise Reply(status, detail=f"Unknown field(s): {', '.join(sorted(unknown))}")
            if not partial and "name" not in data:
                raise Reply(status, detail="Validation for this particular item failed: name is required")
            for key, value in data.items():
                limit = 40 if key == "name" else 80
                if not isinstance(value, str) or len(value) > limit or not re.fullmatch(r"[A-Za-z0-9 ]*", value) \
                        or (key == "name" and not value):
                    raise Reply(status, detail=f"Validation for this particular item failed: {key}")
            return data

        def _wrap(self, data: Any) -> Any:
            return {"success": True, "errors": [], "data": data} if api.profile == "featbit" else data

        def _collection(self, method: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
            if method == "POST":
                record = api._create(self._validate(body, partial=False))
                status = 200 if api.fault("methods.create-status") else 201  # methods.create-status: 200
                return status, self._wrap(api.present(record)), {"Location": api.item.replace("{id}", str(record['id']))}
            records = [api.present(r) for r in sorted(api.items.values(), key=lambda r: r["id"])]
            if api.profile == "connectnow":
                return 200, self._page(records, query), {}
            return 200, self._wrap(records), {}

        def _page(self, records: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
            try:
                page = int(query.get("page", "1"))
            except ValueError:
                raise Reply(422, detail="page must be a whole number")
            if page < 1:
                raise Reply(422, detail="page must be at least 1")
            per_page = 5
            last = max(1, -(-len(records) // per_page))
            if page > last and api.fault("pagination.past-last-page"):  # pagination.past-last-page: an error
                raise Reply(404, detail="There is no such page")
            shift = 1 if page > 1 and api.fault("pagination.no-duplicates") else 0  # repeats the previous page's last
            chunk = records[(page - 1) * per_page - shift: page * per_page - shift]
            base = f"http://{self.headers.get('Host', '127.0.0.1')}{api.collection}"
            start = (page - 1) * per_page + 1
            prev = page if api.fault("pagination.links") else page - 1  # pagination.links: prev points at itself
            to_off = 1 if api.fault("pagination.page-arithmetic") else 0  # pagination.page-arithmetic: 'to' off by one
            listing = {"current_page": page, "data": chunk, "first_page_url": f"{base}?page=1",
                       "from": start if chunk else None,
                       "next_page_url": f"{base}?page={page + 1}" if page < last else None,
                       "path": base, "per_page": per_page,
                       "prev_page_url": f"{base}?page={prev}" if page > 1 else None,
                       "to": start + len(chunk) - 1 + to_off if chunk else None}
            if api.fault("pagination.fields"):  # pagination.fields: 'to' is left out
                del listing["to"]
            return listing

        def _item(self, method: str, item_id: str, body: Any) -> tuple[int, Any, dict[str, str]]:
            try:
                key = int(item_id)
            except ValueError:
                raise Reply(404, detail="The requested resource or endpoint could not be found")
            record = api.items.get(key)
            if record is None:
                raise Reply(400 if api.fault("errors.not-found") else 404,
                            detail="The requested resource or endpoint could not be found")
            if method in ("GET", "HEAD"):
                return 200, self._wrap(api.present(record)), {}
            if method == "DELETE":
                if not api.fault("methods.delete-removes"):  # methods.delete-removes: 204, but the item stays
                    with api.lock:
                        api.items.pop(key, None)
                return 204, None, {}
            data = self._validate(body, partial=method == "PATCH")
            with api.lock:
                if method == "PUT" and not api.fault("methods.put-replaces"):  # methods.put-replaces: keeps it
                    record["description"] = None
                if method == "PATCH" and api.fault("methods.patch-partial"):  # methods.patch-partial: wipes it
                    record["description"] = None
                record.update(data)
            return 200, self._wrap(api.present(record)), {}

    return Handler
