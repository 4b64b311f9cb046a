"""Sending: ``Transport``, the one place requests of the run are sent, from any number of threads. Each goes
out admitted by the policy, within the concurrency bound, its whole answer under a watchdog and its body
bounded in size; a 429 pauses every request and is retried; an API that stopped answering opens a breaker."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from ..models import Exchange, Request, Response
from .policy import MAX_429_RETRIES, Policy, retry_after_seconds
from .raw import RawHeadError, raw_head
from .session import GuardedSession
from .watchdog import Watchdog

MAX_BODY = 1024 * 1024  # read at most 1 MiB of a response body
# After this many requests in a row got no answer the API is taken as gone: later requests fail at once
# (one in BREAKER_TRIAL_EVERY is still tried, and an answer closes the breaker). A dead API cannot
# stretch a run to (requests x timeout); the failures are still violations, never a pass.
BREAKER_THRESHOLD = 4
BREAKER_TRIAL_EVERY = 10
# After this many requests in a row were still answered 429 after waiting, 429s are no longer waited out
# (until an answer other than 429 comes): the run stays bounded however long the API asks to wait.
THROTTLED_GIVE_UP = 3
USER_AGENT = "conformance (+https://pypi.org/project/conformance)"  # when the builder did not set one


class WriteLedger:
    """What this run wrote and the API accepted (a 2xx): each write's JSON body, by the resource it went to. An
    answer from the same resource, a parent (a listing) or a child (a POST creates under its collection) may
    carry those values back: json-server returned a date a generated PUT had stored on every later PATCH of the
    post. The writes to one resource go one at a time, and one collection's operations one after the other, so
    what was written before a request is the same at any concurrency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dict[tuple[str, ...], list[Any]] = {}  # written to exactly this resource
        self._below: dict[tuple[str, ...], list[Any]] = {}  # written to a resource under this one

    @staticmethod
    def _key(url: str) -> tuple[str, ...]:
        parts = urlsplit(url)
        return (f"{parts.scheme}://{parts.netloc}", *[p for p in parts.path.split("/") if p])

    def record(self, exchange: Exchange) -> None:
        if not (exchange.request.is_write and exchange.ok and exchange.request.body):
            return
        try:
            body = json.loads(exchange.request.body)
        except (ValueError, UnicodeDecodeError):
            return
        key = self._key(exchange.request.url)
        with self._lock:
            self._at.setdefault(key, []).append(body)
            for depth in range(1, len(key)):
                self._below.setdefault(key[:depth], []).append(body)

    def before(self, url: str) -> tuple[Any, ...]:
        """The bodies written so far to the resource at ``url``, to its parents and to its children."""
        key = self._key(url)
        with self._lock:
            found = [*self._at.get(key, ()), *self._below.get(key, ())]
            for depth in range(1, len(key)):
                found.extend(self._at.get(key[:depth], ()))
        return tuple(found)


class Transport:
    """The one place requests are sent, from any number of threads. A request comes prepared (by the builder)
    or is prepared here once (set-up code and tests); at most ``concurrency`` are in flight at once; the
    policy admits each; a 429 pauses every request of the process for its Retry-After (capped) and is then
    retried; an API that stopped answering opens a breaker."""

    def __init__(self, *, timeout: float, max_rps: float | None = None, max_requests: int | None = None,
                 read_only: bool = False, retry_after_cap: float = 30.0, concurrency: int = 1):
        self.timeout = timeout
        self.retry_after_cap = retry_after_cap
        self.concurrency = max(1, concurrency)
        self._in_flight = threading.BoundedSemaphore(self.concurrency)
        self.policy = Policy(max_rps=max_rps, max_requests=max_requests, read_only=read_only)
        self.session = GuardedSession(self.policy, retry_after_cap=retry_after_cap, connections=self.concurrency)
        self.session.trust_env = False  # no proxies from the environment between us and a loopback API
        self.session.headers.clear()
        self._lock = threading.Lock()
        self._failures = 0  # requests in a row that got no answer
        self._last_failure = ""
        self._held = 0  # requests not sent since the breaker opened
        self._throttled_in_a_row = 0  # requests whose last answer was still 429 after waiting
        self.ledger = WriteLedger()

    @property
    def sent(self) -> int:
        """Requests sent in this process, the reachability check and spec discovery included."""
        return self.policy.sent

    @staticmethod
    def prepare(request: Request) -> requests.PreparedRequest:
        headers = {"User-Agent": USER_AGENT, **request.headers}
        return requests.Request(request.method, request.url, headers=headers, data=request.body).prepare()

    def send(self, request: Request, *, kind: str, note: str = "", prepared: requests.PreparedRequest | None = None,
             throttled: list[Exchange] | None = None, retry_429: bool = True) -> Exchange:
        """Send one request (raises Refused when the policy forbids it). 429s are retried after Retry-After
        (capped) and the throttled answers kept in ``throttled``; ``retry_429=False`` returns a 429 at once."""
        prepared = prepared if prepared is not None else self.prepare(request)
        for attempt in range(MAX_429_RETRIES + 1):
            exchange = self._send_once(prepared, kind=kind, note=note)
            response = exchange.response
            with self._lock:
                if response is not None and response.status != 429:
                    self._throttled_in_a_row = 0
                if response is None or response.status != 429:
                    return exchange
                given_up = self._throttled_in_a_row >= THROTTLED_GIVE_UP
                if not given_up:
                    # The API asked this client to slow down: every request of the process waits, not only
                    # this one (the retry below waits in Policy.admit like the others).
                    wait = retry_after_seconds(response.header("retry-after"))
                    self.policy.pause(min(wait if wait is not None else 1.0, self.retry_after_cap))
                if retry_429 and (attempt == MAX_429_RETRIES or given_up):
                    self._throttled_in_a_row += 1  # an API that throttles everything is not waited out forever
            if not retry_429 or attempt == MAX_429_RETRIES or given_up:
                return exchange
            if throttled is not None:
                throttled.append(exchange)
        return exchange

    def _send_once(self, prepared: requests.PreparedRequest, *, kind: str, note: str) -> Exchange:
        with self._in_flight:  # taken before the rate-cap slot, so a slot is never spent waiting for room
            return self._send_admitted(prepared, kind=kind, note=note)

    def _send_admitted(self, prepared: requests.PreparedRequest, *, kind: str, note: str) -> Exchange:
        held = self._breaker_holds()
        if held is None:
            self.policy.admit(prepared.method or "GET")
        sent = Request(prepared.method or "GET", prepared.url or "", dict(prepared.headers),
                       prepared.body.encode() if isinstance(prepared.body, str) else prepared.body)
        exchange = Exchange(kind, sent, note=note, prepared=prepared, written=self.ledger.before(sent.url))
        if held is not None:
            exchange.error = held
            exchange.sent = False
            return exchange
        late = f"no complete response within {self.timeout:g} s (--conformance-timeout)"
        started = time.monotonic()
        with Watchdog(self.timeout) as watchdog:
            try:
                raw = self.session.send(prepared, timeout=(min(self.timeout, 10.0), self.timeout), stream=True,
                                        allow_redirects=False)
            except requests.exceptions.Timeout:
                return self._failed(exchange, f"no response within {self.timeout:g} s (--conformance-timeout)")
            except requests.exceptions.SSLError:
                return self._failed(exchange, late if watchdog.fired else
                                    "the TLS handshake failed (is this an HTTPS URL for a plain HTTP port?)")
            except requests.exceptions.ConnectionError as exc:
                return self._failed(exchange, late if watchdog.fired else f"the connection failed ({_reason(exc)})")
            except requests.RequestException as exc:
                return self._failed(exchange, late if watchdog.fired else f"the request failed ({type(exc).__name__})")
            try:
                body, truncated = self._read_body(raw, started, watchdog)
            except _BodyError as exc:
                raw.close()
                return self._failed(exchange, late if watchdog.fired else str(exc))
            if watchdog.fired and not truncated:
                raw.close()
                return self._failed(exchange, late)
        headers: dict[str, list[str]] = {}
        for name, value in raw.raw.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        exchange.response = Response(raw.status_code, headers, body, time.monotonic() - started, truncated,
                                     raw.reason or "")
        self.ledger.record(exchange)
        with self._lock:
            self._failures = 0
        return exchange

    def _failed(self, exchange: Exchange, error: str) -> Exchange:
        exchange.error = error
        with self._lock:
            self._failures += 1
            self._last_failure = error
        return exchange

    def _breaker_holds(self) -> str | None:
        """Why this request is not sent (the API stopped answering), or None to send it."""
        with self._lock:
            if self._failures < BREAKER_THRESHOLD:
                return None
            self._held += 1
            if self._held % BREAKER_TRIAL_EVERY == 0:
                return None  # a trial: an answer closes the breaker
            return (f"not sent: the API stopped answering ({self._failures} requests in a row got no answer, "
                    f"the last: {self._last_failure})")

    def _read_body(self, raw: requests.Response, started: float, watchdog: Watchdog) -> tuple[bytes, bool]:
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
            watchdog.finish()  # before the connection goes back to the pool
            if size < MAX_BODY:
                raw.close()
        return b"".join(chunks), False

    def raw_head(self, request: Request, *, kind: str, note: str = "") -> Exchange:
        """HEAD to the request's URL with its headers, over a socket of its own (see ``raw_head``), admitted by the
        policy like every request (raises Refused), in flight like every request (the concurrency bound). The
        exchange's body is what came after the header section."""
        exchange = Exchange(kind, Request("HEAD", request.url, dict(request.headers)), note=note)
        with self._in_flight:
            self.policy.admit("HEAD")
            started = time.monotonic()
            try:
                answer = raw_head(request.url, request.headers, self.timeout)
            except RawHeadError as exc:
                exchange.error = str(exc)
                return exchange
        exchange.response = Response(answer.status, answer.headers, answer.extra, time.monotonic() - started,
                                     answer.truncated, answer.reason)
        return exchange

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
