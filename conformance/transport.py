"""The one place requests are sent: a shared session, timeouts on every call (body included), a bounded
body size, a rate cap, a request budget, the read-only switch, and honouring 429 Retry-After."""

from __future__ import annotations

import email.utils
import threading
import time
from typing import Any

import requests

from .models import Exchange, Request, Response, Skip

MAX_BODY = 1024 * 1024  # read at most 1 MiB of a response body
MAX_429_RETRIES = 2
USER_AGENT = "conformance (+https://pypi.org/project/conformance)"


class BudgetSpent(Skip):
    pass


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Transport:
    def __init__(self, *, timeout: float, max_rps: float | None = None, max_requests: int | None = None,
                 read_only: bool = False, retry_after_cap: float = 30.0, extra_headers: dict[str, str] | None = None):
        self.timeout = timeout
        self.min_interval = 1.0 / max_rps if max_rps else 0.0
        self.max_requests = max_requests
        self.read_only = read_only
        self.retry_after_cap = retry_after_cap
        self.extra_headers = extra_headers or {}
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies from the environment between us and a loopback API
        self.session.headers.clear()
        self.sent = 0
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def _reserve(self) -> None:
        with self._lock:
            if self.max_requests is not None and self.sent >= self.max_requests:
                raise BudgetSpent(f"the request budget is spent (--conformance-max-requests={self.max_requests})")
            self.sent += 1
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self.min_interval
        if wait > 0:
            time.sleep(wait)

    def prepare(self, request: Request) -> requests.PreparedRequest:
        headers = {"User-Agent": USER_AGENT, **self.extra_headers, **request.headers}
        prepared = requests.Request(request.method, request.url, headers=headers, data=request.body).prepare()
        return prepared

    def send(self, request: Request, *, kind: str, note: str = "", case: Any = None, meta: dict | None = None,
             throttled: list[Exchange] | None = None, retry_429: bool = True) -> Exchange:
        """Send one request; 429s are retried after Retry-After (capped) and kept in ``throttled``
        (``retry_429=False``: a 429 is returned at once, for a probe that wants to see it)."""
        if self.read_only and request.is_write:
            raise Skip(f"a {request.method} would be sent, and --conformance-read-only is on")
        for attempt in range(MAX_429_RETRIES + 1):
            exchange = self._send_once(request, kind=kind, note=note, case=case, meta=meta)
            response = exchange.response
            if response is None or response.status != 429 or attempt == MAX_429_RETRIES or not retry_429:
                return exchange
            if throttled is not None:
                throttled.append(exchange)
            wait = retry_after_seconds(response.header("retry-after"))
            time.sleep(min(wait if wait is not None else 1.0, self.retry_after_cap))
        return exchange

    def _send_once(self, request: Request, *, kind: str, note: str, case: Any, meta: dict | None) -> Exchange:
        self._reserve()
        prepared = self.prepare(request)
        sent = Request(request.method, prepared.url, dict(prepared.headers),
                       prepared.body.encode() if isinstance(prepared.body, str) else prepared.body)
        exchange = Exchange(kind, sent, note=note, case=case, meta={**(meta or {}), "prepared": prepared})
        started = time.monotonic()
        try:
            raw = self.session.send(prepared, timeout=(min(self.timeout, 10.0), self.timeout), stream=True,
                                    allow_redirects=False)
        except requests.exceptions.Timeout:
            exchange.error = f"no response within {self.timeout:g} s (--conformance-timeout)"
            return exchange
        except requests.exceptions.SSLError:
            exchange.error = "the TLS handshake failed (is this an HTTPS URL for a plain HTTP port?)"
            return exchange
        except requests.exceptions.ConnectionError as exc:
            exchange.error = f"the connection failed ({_reason(exc)})"
            return exchange
        except requests.RequestException as exc:
            exchange.error = f"the request failed ({type(exc).__name__})"
            return exchange
        try:
            body, truncated = self._read_body(raw, started)
        except _BodyError as exc:
            exchange.error = str(exc)
            raw.close()
            return exchange
        headers: dict[str, list[str]] = {}
        for name, value in raw.raw.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        exchange.response = Response(raw.status_code, headers, body, time.monotonic() - started, truncated)
        exchange.meta["reason"] = raw.reason
        return exchange

    def _read_body(self, raw: requests.Response, started: float) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        deadline = started + self.timeout
        try:
            while True:
                if time.monotonic() > deadline:
                    raise _BodyError(f"the body did not arrive within {self.timeout:g} s (--conformance-timeout)")
                chunk = raw.raw.read1(65536, decode_content=True) if hasattr(raw.raw, "read1") else raw.raw.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_BODY:
                    raw.close()
                    return b"".join(chunks)[:MAX_BODY], True
        except _BodyError:
            raise
        except (requests.RequestException, OSError, Exception) as exc:  # urllib3 raises its own kinds mid-body
            name = type(exc).__name__
            if "Timeout" in name:
                raise _BodyError(f"the body stopped arriving for {self.timeout:g} s (--conformance-timeout)") from None
            raise _BodyError(f"the connection broke while reading the body ({name})") from None
        finally:
            if size < MAX_BODY:
                raw.close()
        return b"".join(chunks), False

    def close(self) -> None:
        self.session.close()


class _BodyError(Exception):
    pass


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "Connection reset", "Remote end closed",
                   "RemoteDisconnected", "timed out", "Max retries exceeded"):
        if marker in text:
            return marker.lower() if marker != "Max retries exceeded" else "no connection"
    return type(exc).__name__
