"""Serve a WSGI application on 127.0.0.1 (a free port) in a background thread, and small helpers the
independent servers share.

Werkzeug's development server closes the connection after every response (``Connection: close``)
and discards whatever the client still had to send, so an unread body can never be mistaken for the
next request line. The applications read every body anyway, before they answer.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import uuid
from typing import Any, Callable

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

MAX_BODY = 1 << 20


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (the tests' output stays readable); errors are still logged."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between the headers and the body

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002
        if type == "error":
            super().log(type, message, *args)


class LoopbackServer:
    """``with LoopbackServer(app) as server: requests.get(server.url + "/...")``."""

    def __init__(self, app: Callable[..., Any], access_log: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.access_log = access_log
        self._server = make_server("127.0.0.1", 0, self._logged, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="independent-server",
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def _logged(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.access_log is None:
            return self.app(environ, start_response)

        def logging_start_response(status: str, headers: Any, *args: Any) -> Any:
            query = environ.get("QUERY_STRING") and "?" + environ["QUERY_STRING"]
            self.access_log(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}{query or ''} -> {status}")
            return start_response(status, headers, *args)

        return self.app(environ, logging_start_response)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class BoundedRequest(Request):
    """A request whose body may be at most MAX_BODY bytes (larger: RequestEntityTooLarge)."""

    max_content_length = MAX_BODY


def app_of(handler: Callable[[Request], Response]) -> Callable[..., Any]:
    """A WSGI application of a function from a request to its response (the body read before it answers)."""
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        request.get_data()
        return handler(request)(environ, start_response)
    return app


def js(status: int, body: Any, **headers: str) -> Response:
    """A JSON answer as most frameworks write one (``json_response`` writes it compactly, in UTF-8)."""
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None,
                  content_type: str = "application/json; charset=utf-8") -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = Response(body, status=status, content_type=content_type)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def request_id(request: Request) -> str:
    """The client's X-Request-Id when it sent a sane one, else a new one."""
    given = request.headers.get("X-Request-Id", "")
    if given and len(given) <= 64 and all(c.isalnum() or c in "-_." for c in given):
        return given
    return uuid.uuid4().hex


def media_type(content_type: str | None) -> str:
    """``application/json`` from ``Application/JSON; charset=utf-8``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def with_examples(spec: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` whose path parameters named in ``ids`` have that value as their example (where
    the team gave none): the spec of a team that documents its examples from staging data."""
    spec = copy.deepcopy(spec)
    for item in spec["paths"].values():
        operations = [op for key, op in item.items() if key not in ("parameters", "summary", "description")]
        for parameters in [item.get("parameters", [])] + [op.get("parameters", []) for op in operations]:
            for parameter in parameters:
                if parameter.get("in") == "path" and parameter["name"] in ids and "example" not in parameter:
                    parameter["example"] = ids[parameter["name"]]
    return spec


def with_pinned_parents(spec: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` whose parent path parameters (all but the one naming the item itself)
    named in ``ids`` allow only that value (``enum``): the spec of a single-tenant deployment, whose
    workspace or store is fixed. Generated requests then reach the nested resources."""
    spec = copy.deepcopy(spec)
    for path, item in spec["paths"].items():
        names = re.findall(r"\{([^}]+)\}", path)
        parents = set(names[:-1] if path.rstrip("/").endswith("}") else names)
        operations = [op for key, op in item.items() if key not in ("parameters", "summary", "description")]
        for holder in [item] + operations:
            parameters = holder.get("parameters")
            if not parameters:
                continue
            holder["parameters"] = [
                {**p, "schema": {**p.get("schema", {}), "enum": [ids[p["name"]]]}}
                if p.get("in") == "path" and p["name"] in parents and p["name"] in ids else p
                for p in parameters]
    return spec
