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
