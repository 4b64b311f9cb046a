"""HEAD over a socket of its own.

requests/urllib3 never read past the header section of a HEAD answer, so content a server wrongly sends after it
stays unseen (and a kept-alive connection is silently dropped). ``raw_head`` reads what follows.
"""

from __future__ import annotations

import socket
import ssl
import time
from typing import NamedTuple
from urllib.parse import urlsplit

RAW_HEAD_LINGER = 0.1  # seconds to wait for bytes after the header section (each time some arrive)
RAW_HEAD_MAX = 65536  # bytes of the header section, and of what follows it, read at most


class RawAnswer(NamedTuple):
    status: int
    reason: str
    headers: dict[str, list[str]]  # lower-cased names
    extra: bytes  # what came on the connection after the header section
    truncated: bool  # more than RAW_HEAD_MAX bytes came


class RawHeadError(Exception):
    """No usable answer to the raw HEAD: one plain sentence."""


def raw_head(url: str, headers: dict[str, str], timeout: float, *, linger: float = RAW_HEAD_LINGER) -> RawAnswer:
    """Send HEAD over a new connection (TLS for https), read the status line and the header section, then wait
    ``linger`` seconds (never past ``timeout`` for the whole) for bytes on the same connection: a HEAD answer has
    none. Raises RawHeadError."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    skip = {"host", "connection", "content-length", "transfer-encoding", "keep-alive"}
    lines = [f"HEAD {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() not in skip]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=min(timeout, 10.0))
    except OSError as exc:
        raise RawHeadError(f"the connection failed ({exc.strerror or type(exc).__name__})") from None
    try:
        if parts.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        sock.sendall(request)
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            if len(buffer) > RAW_HEAD_MAX:
                raise RawHeadError(f"the header section is longer than {RAW_HEAD_MAX} bytes")
            chunk = _recv(sock, deadline - time.monotonic())
            if chunk is None:
                raise RawHeadError(f"no complete header section within {timeout:g} s (--conformance-timeout)")
            if not chunk:
                raise RawHeadError("the connection closed before the header section ended")
            buffer += chunk
        head, _, extra = buffer.partition(b"\r\n\r\n")
        while len(extra) <= RAW_HEAD_MAX:
            chunk = _recv(sock, min(linger, deadline - time.monotonic()))
            if not chunk:  # quiet for the linger, or closed
                break
            extra += chunk
    except ssl.SSLError:
        raise RawHeadError("the TLS handshake failed (is this an HTTPS URL for a plain HTTP port?)") from None
    except OSError as exc:
        raise RawHeadError(f"the connection broke ({exc.strerror or type(exc).__name__})") from None
    finally:
        sock.close()
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not code.isdigit():
        raise RawHeadError(f"the answer does not start with an HTTP status line ({status_line[:40]!r})")
    fields: dict[str, list[str]] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip().lower(), []).append(value.strip())
    return RawAnswer(int(code), reason, fields, extra[:RAW_HEAD_MAX], len(extra) > RAW_HEAD_MAX)


def _recv(sock: socket.socket, seconds: float) -> bytes | None:
    """What came within ``seconds`` (b"" when the peer closed), or None when nothing came."""
    if seconds <= 0:
        return None
    sock.settimeout(seconds)
    try:
        return sock.recv(65536)
    except (socket.timeout, TimeoutError):
        return None
