"""The watchdog: a deadline for the whole answer, not only for each read.

The timeouts of requests/urllib3 bound each socket operation, so a server that sends one byte every second
(status line, headers or body) would never time out. A watchdog shuts the request's socket down at the
deadline, which ends any read in progress. The connections of a ``WatchedAdapter`` put their socket under the
watchdog of the thread's current request.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_local = threading.local()


class _Clock:
    """One daemon thread for all watchdogs of the process: it fires each at its deadline. (A Timer per
    request would start a thread per request, a scheduling delay on a busy machine.) Watchdogs that end
    in time stay in the heap until their deadline comes round, and are dropped then."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, Watchdog]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, watchdog: Watchdog) -> None:
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


class Watchdog:
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

    def __enter__(self) -> Watchdog:
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


class WatchedAdapter(HTTPAdapter):
    """Keeps up to ``pool_maxsize`` connections per host: one per request in flight."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


def watching() -> bool:
    """Whether this thread's request is under a watchdog already (inside Transport.send)."""
    return getattr(_local, "watchdog", None) is not None
