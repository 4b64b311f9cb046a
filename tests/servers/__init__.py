"""Misbehaving HTTP servers on 127.0.0.1, for the robustness and safety tests.

``MisbehavingServer(behaviour)`` listens on a free loopback port and hands every request it parses to
``behaviour(server, request, conn)``, which writes whatever it likes to the raw socket (or nothing).
Every request is recorded with a server-side timestamp in ``server.log``. The behaviours below are the
faults an API under test can have; ``forward_to(url)`` makes a proxy in front of a well-behaved API
(a demo) so one fault can be injected into an otherwise conforming run.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

# A small valid spec: one protected list operation. Pass it with --conformance-spec (see write_spec).
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "misbehaving", "version": "1"},
    "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
    "security": [{"token": []}],
    "paths": {
        "/items": {
            "get": {
                "responses": {
                    "200": {"description": "the items", "content": {"application/json": {"schema": {
                        "type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}},
                    "401": {"description": "no credentials"},
                }
            }
        }
    },
}


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when the request was complete
    number: int  # 0-based, over the server's lifetime


@dataclass
class MisbehavingServer:
    behaviour: Callable[["MisbehavingServer", Received, socket.socket], bool | None]
    log: list[Received] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)  # for behaviours that remember (e.g. seen paths)

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def methods(self) -> list[str]:
        return [r.method for r in self.log]

    def start(self) -> "MisbehavingServer":
        self.thread.start()
        return self

    def die(self) -> None:
        """Stop listening and drop every open connection: the API is gone."""
        self.stopping.set()
        for sock in [self.listener, *self.connections]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    stop = die

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        try:
            while not self.stopping.is_set():
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                    if buffer[:1] == b"\x16":  # a TLS hello on this plain port: answer as HTTP servers do
                        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        return
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                if len(parts) < 3:  # not HTTP (a TLS hello, say): answer like a plain HTTP server would
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                while len(buffer) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                body, buffer = buffer[:length], buffer[length:]
                with self.lock:
                    request = Received(parts[0], parts[1], headers, body, time.monotonic(), len(self.log))
                    self.log.append(request)
                if self.behaviour(self, request, conn) is False:
                    return  # the behaviour closed (or abandoned) the connection
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass


def start(behaviour: Callable[..., Any]) -> MisbehavingServer:
    return MisbehavingServer(behaviour).start()


# -- writing answers -----------------------------------------------------------------------------

def respond(conn: socket.socket, status: int = 200, body: bytes | str | Any = b"", *,
            content_type: str = "application/json", headers: dict[str, str] | None = None,
            content_length: int | None = None, reason: str = "") -> None:
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    lines = [f"HTTP/1.1 {status} {reason or http.client.responses.get(status, 'Status')}",
             f"Content-Length: {len(body) if content_length is None else content_length}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def good(server: MisbehavingServer, request: Received, conn: socket.socket) -> None:
    """What a well-behaved list operation answers."""
    if request.headers.get("authorization") != server.state.get("token", "t"):
        respond(conn, 401, {"code": 401, "message": "no credentials"})
    else:
        respond(conn, 200, [{"id": 1}])


# -- faults ----------------------------------------------------------------------------------------

def after(k: int, fault: Callable[..., Any]) -> Callable[..., Any]:
    """Answer the first ``k`` requests well, then misbehave with ``fault``."""

    def behaviour(server: MisbehavingServer, request: Received, conn: socket.socket) -> Any:
        return good(server, request, conn) if request.number < k else fault(server, request, conn)

    return behaviour


def dies(server: MisbehavingServer, request: Received, conn: socket.socket) -> bool:
    server.die()
    return False


def never_answers(server: MisbehavingServer, request: Received, conn: socket.socket) -> bool:
    server.stopping.wait()  # holds the connection open, silent, until the test ends
    return False


def dribbles(server: MisbehavingServer, request: Received, conn: socket.socket, pause: float = 0.3) -> bool:
    body = json.dumps([{"id": n} for n in range(100)]).encode()
    respond(conn, 200, b"", content_length=len(body))
    for byte in body:
        if server.stopping.wait(pause):
            break
        conn.sendall(bytes([byte]))
    return False


def dribbles_headers(server: MisbehavingServer, request: Received, conn: socket.socket, pause: float = 0.3) -> bool:
    """A status line and headers that never end, one byte at a time (slowloris, the other way round)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while not server.stopping.wait(pause):
        conn.sendall(b"X")
    return False


def short_body(server: MisbehavingServer, request: Received, conn: socket.socket) -> bool:
    respond(conn, 200, b'[{"id": 1}, {"id"', content_length=1000)
    return False  # and close: the body is cut short


def not_json(server: MisbehavingServer, request: Received, conn: socket.socket) -> None:
    respond(conn, 200, "<html><body>Service temporarily unavailable</body></html>")


def not_utf8(server: MisbehavingServer, request: Received, conn: socket.socket) -> None:
    respond(conn, 200, b'[{"id": "\xff\xfe\xc3\x28"}]\x80\x81')


HUGE = 5 * 1024 * 1024


def huge(server: MisbehavingServer, request: Received, conn: socket.socket) -> bool:
    head = b'[{"id": 1, "padding": "'
    tail = b'"}]'
    respond(conn, 200, b"", content_length=HUGE)
    try:
        conn.sendall(head)
        block = b"x" * 65536
        sent = len(head)
        while sent < HUGE - len(tail):
            piece = block[: HUGE - len(tail) - sent]
            conn.sendall(piece)
            sent += len(piece)
        conn.sendall(tail)
    except OSError:
        pass  # the client stopped reading: that is the point
    return False


def redirect_loop(server: MisbehavingServer, request: Received, conn: socket.socket) -> None:
    respond(conn, 302, b"", content_type="", headers={"Location": request.path})


# -- a proxy in front of a conforming API ---------------------------------------------------------

def forward_to(upstream: str, before: Callable[..., bool] | None = None) -> Callable[..., Any]:
    """Forward every request to ``upstream``; ``before(server, request, conn)`` may answer first (True)."""
    host, port = upstream.split("//", 1)[1].split(":")

    def behaviour(server: MisbehavingServer, request: Received, conn: socket.socket) -> None:
        if before is not None and before(server, request, conn):
            return
        upstream_conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            headers = {k: v for k, v in request.headers.items() if k not in ("connection", "host")}
            upstream_conn.request(request.method, request.path, body=request.body or None, headers=headers)
            answer = upstream_conn.getresponse()
            body = answer.read()
            passed = {k: v for k, v in answer.getheaders()
                      if k.lower() not in ("content-length", "connection", "transfer-encoding", "content-type")}
            respond(conn, answer.status, body, content_type=answer.getheader("content-type") or "",
                    headers=passed, reason=answer.reason)
        finally:
            upstream_conn.close()

    return behaviour


def throttle_first(retry_after: str, key: Callable[[Received], str] = lambda r: r.path.split("?")[0]):
    """Answer 429 (Retry-After) to the first request of each key; the rest go through."""

    def before(server: MisbehavingServer, request: Received, conn: socket.socket) -> bool:
        seen = server.state.setdefault("throttled", set())
        k = key(request)
        if k in seen:
            return False
        seen.add(k)
        server.state.setdefault("throttled_at", []).append(request.number)
        respond(conn, 429, {"code": 429, "message": "slow down"}, headers={"Retry-After": retry_after})
        return True

    return before


def write_spec(directory, spec: dict[str, Any] | None = None) -> str:
    path = directory / "spec.json"
    path.write_text(json.dumps(spec or SPEC))
    return str(path)


def closed_port() -> int:
    """A port nothing listens on: bound, then closed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def hangs_up(server: MisbehavingServer, request: Received, conn: socket.socket) -> bool:
    """Close the connection without a word."""
    return False


def not_http(server: MisbehavingServer, request: Received, conn: socket.socket) -> bool:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\nthis is not HTTP\r\n\r\n")
    return False


def bad_headers(server: MisbehavingServer, request: Received, conn: socket.socket) -> None:
    body = b'[{"id": 1}]'
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                 + b"\r\nBroken header without colon\r\n\x00\xff: \xfe\r\n\r\n" + body)
