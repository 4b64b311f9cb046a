"""The one place requests are sent: a shared session, timeouts on every call (body included), a bounded
body size, a rate cap, a request budget, the read-only switch, and honouring 429 Retry-After."""

from __future__ import annotations

import email.utils
import heapq
import itertools
import logging
import re
import socket
import ssl
import threading
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
import urllib3.connectionpool
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .models import Exchange, Request, Response, Skip

MAX_BODY = 1024 * 1024  # read at most 1 MiB of a response body
MAX_429_RETRIES = 2
# After this many requests in a row got no answer the API is taken as gone: later requests fail at once
# (one in BREAKER_TRIAL_EVERY is still tried, and an answer closes the breaker). A dead API cannot
# stretch a run to (requests x timeout); the failures are still violations, never a pass.
BREAKER_THRESHOLD = 4
BREAKER_TRIAL_EVERY = 10
# After this many requests in a row were still answered 429 after waiting, 429s are no longer waited out
# (until an answer other than 429 comes): the run stays bounded however long the API asks to wait.
THROTTLED_GIVE_UP = 3
USER_AGENT = "conformance (+https://pypi.org/project/conformance)"  # when the builder did not set one


class _QuietHeaderWarnings(logging.Filter):
    """urllib3 logs a traceback when it cannot parse a response's headers; that is the API's fault and
    the exchange says so, so the warning (and its traceback) is left out of the user's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to parse headers")


logging.getLogger("urllib3.connection").addFilter(_QuietHeaderWarnings())


class BudgetSpent(Skip):
    pass


# urllib3 re-encodes every request target byte by byte, in Python, before sending it: tens of milliseconds for
# the 300 KB query strings schemathesis draws for some invalid requests, on every send. A target made only of
# characters it keeps as they are (and upper-case %XX) comes back unchanged from it, so it is passed as is.
_UNCLEAN = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]|%(?![0-9A-F]{2})")
_encode_target = urllib3.connectionpool._encode_target


def _clean_target(target: str) -> str:
    if target.startswith("/") and not _UNCLEAN.search(target):
        return target
    return _encode_target(target)


urllib3.connectionpool._encode_target = _clean_target


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delay-seconds or an HTTP date); None when it says nothing usable."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(min(int(value[:12]), 10**9))
    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None
    return max(0.0, seconds)


# -- the watchdog: a deadline for the whole answer, not only for each read --------------------------
# The timeouts of requests/urllib3 bound each socket operation, so a server that sends one byte every
# second (status line, headers or body) would never time out. A watchdog shuts the request's socket
# down at the deadline, which ends any read in progress.

_local = threading.local()


class _Clock:
    """One daemon thread for all watchdogs of the process: it fires each at its deadline. (A Timer per
    request would start a thread per request, a scheduling delay on a busy machine.) Watchdogs that end
    in time stay in the heap until their deadline comes round, and are dropped then."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, watchdog: "_Watchdog") -> None:
        with self._condition:
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (watchdog.deadline, next(self._order), watchdog))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="conformance-watchdog", daemon=True)
                self._thread.start()
            elif earliest is None or watchdog.deadline < earliest:
                self._condition.notify()  # it sleeps until a later deadline, or without one

    def _loop(self) -> None:
        with self._condition:
            while True:
                if not self._heap:
                    self._condition.wait()
                    continue
                deadline, _, watchdog = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0 and not watchdog.done:
                    self._condition.wait(delay)
                    continue
                heapq.heappop(self._heap)
                if not watchdog.done:
                    watchdog.fire()


_clock = _Clock()


class _Watchdog:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = 0.0
        self.fired = False
        self.done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def watch(self, sock: Any) -> None:
        if sock is None:
            return
        with self._lock:
            if self.fired:
                _shutdown(sock)
            elif sock not in self._sockets:
                self._sockets.append(sock)

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            for sock in self._sockets:
                _shutdown(sock)

    def finish(self) -> None:
        """The answer is in: from now on the watchdog fires at nothing. Called before the connection goes back
        to the pool, where another thread's request may take it."""
        with self._lock:
            self.done = True

    def __enter__(self) -> "_Watchdog":
        self._previous = getattr(_local, "watchdog", None)
        _local.watchdog = self
        self.deadline = time.monotonic() + self.seconds
        _clock.add(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.finish()
        _local.watchdog = self._previous


def _shutdown(sock: Any) -> None:
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also for an SSLSocket
    except (OSError, TypeError):
        pass


def _watch(sock: Any) -> None:
    watchdog = getattr(_local, "watchdog", None)
    if watchdog is not None:
        watchdog.watch(sock)


class _Watched:
    """Puts the connection's socket under the current request's watchdog."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watch(self.sock)  # type: ignore[attr-defined]

    def getresponse(self):  # type: ignore[no-untyped-def]
        _watch(self.sock)  # type: ignore[attr-defined]
        return super().getresponse()  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """Keeps up to ``pool_maxsize`` connections per host: one per request in flight."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class RequestRefused(requests.exceptions.RequestException):
    """A set-up request (reachability, spec discovery) not sent: the run's limits forbid it."""


class Refused(Skip):
    """A request not sent because the run's limits forbid it: --conformance-read-only or the budget."""


class BudgetSpent(Refused):
    pass


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Policy:
    """The run's limits, in one place: read-only, the request budget, the rate cap and a pause the API asked
    for (429 Retry-After). Every request of the process is admitted here first, from whichever thread, the
    set-up requests too; a probe may ask ``allows`` before planning. One lock guards the counters."""

    def __init__(self, *, max_rps: float | None = None, max_requests: int | None = None, read_only: bool = False):
        self.min_interval = 1.0 / max_rps if max_rps else 0.0
        self.max_requests = max_requests
        self.read_only = read_only
        self.sent = 0
        self._lock = threading.Lock()
        self._gate = threading.Lock()  # under a rate cap or a pause, requests pass one at a time
        self._last = float("-inf")  # when the last request passed the gate
        self._not_before = 0.0  # a 429 asked every request to wait until then

    def pause(self, seconds: float) -> None:
        """No request of this process is sent for ``seconds`` from now (the API said Retry-After)."""
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    @property
    def budget_spent(self) -> bool:
        return self.max_requests is not None and self.sent >= self.max_requests

    def allows(self, method: str) -> bool:
        return not (self.read_only and method.upper() in WRITE_METHODS)

    def admit(self, method: str) -> None:
        """Count the request and wait for its slot under the rate cap; raises Refused when it may not go."""
        if not self.allows(method):
            raise Refused(f"a {method.upper()} would be sent, and --conformance-read-only is on")
        with self._lock:
            if self.budget_spent:
                raise BudgetSpent(f"the request budget is spent (--conformance-max-requests={self.max_requests})")
            self.sent += 1
            if not self.min_interval and self._not_before <= time.monotonic():
                return
        # One request at a time through the gate, each at least min_interval after the one before actually
        # passed (a thread that woke late does not squeeze the next one closer), none before a pause ends.
        with self._gate:
            while True:
                now = time.monotonic()
                with self._lock:
                    slot = max(self._last + self.min_interval, self._not_before)
                if slot <= now:
                    break
                time.sleep(slot - now)
            with self._lock:
                self._last = time.monotonic()


class GuardedSession(requests.Session):
    """Every request of a run goes through one of these, the reachability check and spec discovery too:
    the policy admits it (budget, rate cap, read-only), and each whole answer (status line, headers and a
    non-streamed body) is bounded by the read timeout, else ReadTimeout. Transport.send admits its
    requests itself and keeps its own watchdog over a streamed body."""

    def __init__(self, policy: Policy, *, retry_after_cap: float = 30.0, connections: int = 10) -> None:
        super().__init__()
        self.mount("http://", _WatchedAdapter(pool_maxsize=max(10, connections)))
        self.mount("https://", _WatchedAdapter(pool_maxsize=max(10, connections)))
        self.policy = policy
        self.retry_after_cap = retry_after_cap

    @property
    def sent(self) -> int:
        return self.policy.sent

    def send(self, request: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if getattr(_local, "watchdog", None) is not None:  # inside Transport.send: admitted, 429 handled there
            return super().send(request, **kwargs)
        for attempt in range(MAX_429_RETRIES + 1):  # the reachability check and spec discovery
            response = self._send_bounded(request, **kwargs)
            if response.status_code != 429 or attempt == MAX_429_RETRIES:
                return response
            response.close()
            wait = retry_after_seconds(response.headers.get("retry-after"))
            time.sleep(min(wait if wait is not None else 1.0, self.retry_after_cap))
        return response

    def _send_bounded(self, request: Any, **kwargs: Any) -> requests.Response:
        try:
            self.policy.admit(request.method or "GET")
        except Refused as refused:
            raise RequestRefused(str(refused)) from None
        timeout = kwargs.get("timeout")
        total = timeout[1] if isinstance(timeout, tuple) else timeout
        if not total:
            return super().send(request, **kwargs)
        with _Watchdog(float(total)) as watchdog:
            try:
                response = super().send(request, **kwargs)
            except requests.RequestException:
                if watchdog.fired:
                    raise requests.exceptions.ReadTimeout(f"no complete answer within {total:g} s") from None
                raise
            if watchdog.fired:
                raise requests.exceptions.ReadTimeout(f"no complete answer within {total:g} s")
        return response


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
        exchange = Exchange(kind, sent, note=note, prepared=prepared)
        if held is not None:
            exchange.error = held
            exchange.sent = False
            return exchange
        late = f"no complete response within {self.timeout:g} s (--conformance-timeout)"
        started = time.monotonic()
        with _Watchdog(self.timeout) as watchdog:
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

    def _read_body(self, raw: requests.Response, started: float, watchdog: _Watchdog) -> tuple[bytes, bool]:
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


# -- HEAD over a socket of its own ---------------------------------------------------------------------
# requests/urllib3 never read past the header section of a HEAD answer, so content a server wrongly sends
# after it stays unseen (and a kept-alive connection is silently dropped). raw_head reads what follows.
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


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "Connection reset", "Remote end closed",
                   "RemoteDisconnected", "timed out", "Max retries exceeded"):
        if marker in text:
            return marker.lower() if marker != "Max retries exceeded" else "no connection"
    return type(exc).__name__
