"""Shared pieces of the benchmarks: a demo server that counts requests, child processes with their own
wall time and peak memory, and table printing. Run the scripts, not this module."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@dataclass
class Rates:
    """One client's run as measured: its ``requests``, ``wall`` (the client's whole run) and ``window`` (the
    first to the last request the server saw), and its requests per second."""

    name: str
    requests: int
    wall: float
    window: float

    @property
    def e2e_rps(self) -> float:
        return self.requests / self.wall if self.wall else float("nan")

    @property
    def window_rps(self) -> float:
        return self.requests / self.window if self.window else float("nan")


@dataclass
class Counter:
    """Requests as the server saw them: how many, and when the first and the last arrived."""

    count: int = 0
    first: float | None = None
    last: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hit(self) -> None:
        now = time.monotonic()
        with self.lock:
            self.count += 1
            if self.first is None:
                self.first = now
            self.last = now

    def reset(self) -> None:
        with self.lock:
            self.count, self.first, self.last = 0, None, None

    @property
    def window(self) -> float:
        return (self.last - self.first) if self.first is not None and self.last is not None else 0.0


class CountingDemo:
    """A bundled demo API (conformance.demo) in this process, counting every parsed request.

    The server runs in threads of the benchmark process, which only waits on its child while a client runs, so
    client and server do not share a GIL. A fresh server (fresh state) is started for every measurement.
    """

    def __init__(self, profile: str = "featbit", latency: float = 0.0):
        from conformance.demo import DemoAPI

        self.counter = Counter()
        self.api = DemoAPI(profile)
        server = self.api._server  # the stdlib ThreadingHTTPServer inside the demo
        counter = self.counter
        base = server.RequestHandlerClass

        class Counted(base):  # type: ignore[misc, valid-type]
            disable_nagle_algorithm = True

            def parse_request(self) -> bool:
                ok = super().parse_request()
                if ok:
                    counter.hit()
                    if latency:
                        time.sleep(latency)  # an API farther away than loopback: the answer comes later
                return ok

        server.RequestHandlerClass = Counted

    @property
    def url(self) -> str:
        return self.api.url

    def __enter__(self) -> "CountingDemo":
        self.api.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.api.stop()


class CountingProxy:
    """A TCP proxy in front of an API that is not ours to change (stripe-mock): it passes every byte through
    and counts the HTTP requests it sees, with the time of the first and the last. asyncio in one thread of
    the benchmark process, which only waits on its child while a client runs."""

    LIMIT = 64 * 1024 * 1024  # a request line of 300 KB is no reason to drop a connection

    def __init__(self, upstream: str):
        from urllib.parse import urlsplit

        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.counter = Counter()
        self._ready = threading.Event()
        self._loop: Any = None
        self._server: Any = None
        self.url = ""

    def __enter__(self) -> "CountingProxy":
        threading.Thread(target=self._run, name="bench-proxy", daemon=True).start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self) -> None:
        import asyncio

        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, limit=self.LIMIT))
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: Any, writer: Any) -> None:
        import asyncio

        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port, limit=self.LIMIT)
        except OSError:
            writer.close()
            return
        back = asyncio.ensure_future(self._copy(up_reader, writer))
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.counter.hit()
                up_writer.write(head)
                headers = head.decode("latin-1").lower()
                length = 0
                for line in headers.split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip() == "content-length":
                        length = int(value.strip() or 0)
                if "transfer-encoding: chunked" in headers:
                    while True:
                        size_line = await reader.readuntil(b"\r\n")
                        up_writer.write(size_line)
                        size = int(size_line.split(b";")[0].strip() or b"0", 16)
                        up_writer.write(await reader.readexactly(size + 2))
                        if size == 0:
                            break
                elif length:
                    up_writer.write(await reader.readexactly(length))
                await up_writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError, ValueError):
            pass
        finally:
            up_writer.close()
            writer.close()
            back.cancel()

    @staticmethod
    async def _copy(source: Any, target: Any) -> None:
        try:
            while True:
                chunk = await source.read(65536)
                if not chunk:
                    break
                target.write(chunk)
                await target.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            target.close()


@dataclass
class ChildRun:
    wall: float
    returncode: int
    maxrss_mb: float
    output: str
    cpu: float = 0.0  # user + system CPU seconds of the child and the children it waited for (xdist workers)


def run_child(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
              timeout: float = 1800) -> ChildRun:
    """Run a command; its wall time, exit code, peak RSS (ru_maxrss of that child alone) and output."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out,
                                   stderr=subprocess.STDOUT)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    return ChildRun(wall, process.returncode, usage.ru_maxrss / 1024, output, usage.ru_utime + usage.ru_stime)


def empty_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"conformance-bench-{prefix}-"))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = lambda values: "  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:
            return "-"
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def environment_note() -> str:
    flags = []
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        flags.append("PYTHONDONTWRITEBYTECODE=1 (no .pyc cache: every pytest start re-compiles and assertion-rewrites "
                     "its plugins' modules)")
    return f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs" + (f"; {'; '.join(flags)}" if flags else "")


_WARM: Path | None = None


def warm_hypothesis_tables() -> Path:
    """A .hypothesis folder holding Hypothesis' unicode tables (charmap, utf-8 codec intervals).

    Hypothesis computes them on first use and caches them under ./.hypothesis of the *working directory*: a
    fresh directory (a CI checkout, our empty temp dirs) pays it on every run (several seconds)."""
    global _WARM
    if _WARM is None:
        where = empty_dir("warm")
        run_child([PYTHON, "-c", "from hypothesis.internal import charmap; charmap.charmap(); "
                   "charmap.intervals_from_codec('utf-8')"], cwd=where)
        _WARM = where / ".hypothesis"
    return _WARM


def child_dir(prefix: str, *, warm: bool = False) -> Path:
    """An empty working directory for a child; with warm=True it holds the cached unicode tables."""
    import shutil

    where = empty_dir(prefix)
    if warm:
        shutil.copytree(warm_hypothesis_tables(), where / ".hypothesis")
    return where
