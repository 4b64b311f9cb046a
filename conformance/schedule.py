"""Requests in flight concurrently, with the same requests and the same verdicts whatever the order of answers.

The operations this process judges are run ahead, in collection order, when the first verdict is asked for:

* **Before an operation's requests go out**, one thread resolves the path values of its family (listing the
  collections, creating what reads need), one operation after the other in collection order. Only the answers
  to those look-ups teach the resources anything (``Resources.learning``): answers to the requests under test
  come back in any order and teach nothing. What a request aims at therefore never depends on which answer
  came first, and one family's look-ups can go on while another family's requests are out.
* **One drawing thread** draws each operation's generated requests (schemathesis on Hypothesis: CPU, one
  core) while the requests drawn before are out; each becomes a task as soon as it is drawn.
* **A pool of ``concurrency`` threads** sends the tasks: every generated request is one task, every probe is
  one task (a sequence - create, read, change, delete, read again - or a page walk stays in order inside
  its task). The transport lets at most ``concurrency`` requests be in flight in the whole process.
* **An operation that writes to a shared resource** (PUT, PATCH, a POST to an item path) sends its tasks in
  lanes: the writes of one lane aim at one resource the suite keeps for writing (``resources.write_lane``)
  and each answer depends on the writes before it, so a lane's tasks go one at a time, in plan order; the
  lanes go at the same time. (Each DELETE has a resource of its own.)
* **Operations of one family** (the paths under one collection: ``/users``, ``/users/{id}``,
  ``/users/{id}/keys``) run one after the other, in collection order: one operation's writes never change
  what another one's reads or page walks see halfway. Different families run at the same time.
* **A verdict waits for its family**: every request that could reach the operation (its own, and the
  sequences of its neighbours that read it back) has been answered before its rules judge.

Each task keeps its own exchanges and its own random numbers; an operation's exchanges are read in plan
order (the index each task got when it was planned), never in the order the answers came back.
"""

from __future__ import annotations

import __future__
import ast
import builtins
import collections
import queue
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

AHEAD = 512  # generated requests drawn and not yet answered, at most (memory, not speed)


def _root(path: str) -> str:
    """The path up to the first parameter that follows a literal segment: /api/v1/projects for
    /api/v1/projects/{id}/envs, /{tenant}/items for /{tenant}/items/{id}."""
    out: list[str] = []
    literal = False
    for segment in (s for s in path.split("/") if s):
        if "{" in segment:
            if literal:
                break
        else:
            literal = True
        out.append(segment)
    return "/" + "/".join(out)


def families(paths: Iterable[str]) -> dict[str, str]:
    """Each path's family: the shortest collection root it lies under (/users for /users, /users/{id},
    /users/search and /users/{id}/keys), or the path itself when it lies under none."""
    paths = list(dict.fromkeys(paths))
    roots = sorted({_root(p) for p in paths if _root(p) != p.rstrip("/")}, key=len)
    out = {}
    for path in paths:
        bare = path.rstrip("/") or "/"
        out[path] = next((r for r in roots if bare == r or bare.startswith(r.rstrip("/") + "/")), bare)
    return out


def partition(units: list[tuple[str, float]], workers: int) -> dict[str, int]:
    """Units (name, weight) spread over ``workers``: the heaviest first, each to the least loaded worker (ties
    to the lowest index). The same input always gives the same answer, so every xdist process computes the
    controller's split itself."""
    loads = [0.0] * max(1, workers)
    out: dict[str, int] = {}
    order = sorted(range(len(units)), key=lambda i: (-units[i][1], i))
    for i in order:
        name, weight = units[i]
        worker = min(range(len(loads)), key=lambda w: (loads[w], w))
        out[name] = worker
        loads[worker] += max(weight, 0.0) + 1.0
    return out


_AST_LOCK = threading.RLock()
_FUTURE_FLAGS = sum(getattr(__future__, name).compiler_flag for name in __future__.all_feature_names)  # one bit each


def serialize_ast_construction() -> None:
    """Let one thread of the process at a time build ``ast`` objects (installed once, before the first thread).

    On CPython < 3.12 the AST constructor keeps its recursion depth in state shared by every thread (CPython
    gh-106905): a thread switched out halfway (a finalizer run by the garbage collector) while another parses
    fails with ``SystemError: AST constructor recursion depth mismatch``. Hypothesis parses while drawing (its
    lambdas described in a strategy's repr, the test function's digest, filter bounds, local constants), so
    the drawing thread, sending threads drawing a sample or a body, and the main thread (pytest formatting a
    failure, rewriting asserts; traceback's caret anchors) parse at the same time: Hypothesis then replays the
    failed draw and reports FlakyFailure. ``ast`` objects are only ever built by the builtin compile() with
    ``ast.PyCF_ONLY_AST`` (``ast.parse`` and ``ast.literal_eval`` call it, whatever module holds them), so
    that builtin is wrapped: those calls take one process-wide lock, the others pass straight through, and
    every call keeps its caller's ``from __future__`` imports as compile() would have read them. The runner
    installs it when it creates its Conductor, before it starts any thread."""
    if sys.version_info >= (3, 12):
        return
    with _AST_LOCK:
        if getattr(builtins.compile, "serializes_ast", False):
            return
        original = builtins.compile

        def compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **options):  # noqa: A001
            if not dont_inherit:
                flags |= sys._getframe(1).f_code.co_flags & _FUTURE_FLAGS
            if not flags & ast.PyCF_ONLY_AST:
                return original(source, filename, mode, flags, True, optimize, **options)
            with _AST_LOCK:
                return original(source, filename, mode, flags, True, optimize, **options)

        compile.serializes_ast = True
        builtins.compile = compile


@dataclass(eq=False)
class _Op:
    """One operation in the schedule."""

    run: Any  # engine.OperationRun
    family: str
    previous: "_Op | None" = None
    following: list["_Op"] = field(default_factory=list)
    prepared: bool = False  # its path values are resolved
    ready: bool = False  # its tasks may go to the pool
    outstanding: int = 1  # tasks not finished, plus one for the drawing
    buffer: list[tuple[Callable[[], None], bool, int]] = field(default_factory=list)
    finished: threading.Event = field(default_factory=threading.Event)
    in_order: bool = False  # the tasks of each lane go one at a time, in plan order
    lanes: dict[int, collections.deque] = field(default_factory=dict)  # in_order tasks waiting for their turn
    busy: set[int] = field(default_factory=set)  # the lanes with a task in the pool


class Conductor:
    """Runs the operations of one process concurrently (see the module's docstring). ``runner`` is the
    engine's Runner: ``new_run(op)``, ``prepare(op)``, ``draw(run, submit)`` and ``family(op)``. The tasks of
    an operation that ``shares_a_write_target`` go one at a time in each lane, in plan order."""

    def __init__(self, runner: Any, concurrency: int):
        serialize_ast_construction()
        self.runner = runner
        self.concurrency = max(1, concurrency)
        self.lock = threading.Lock()
        self.ops: dict[str, _Op] = {}
        self._last: dict[str, _Op] = {}  # the last operation of each family so far
        self.started = False
        self.stopping = threading.Event()
        self.ahead = threading.Semaphore(AHEAD)
        self._to_prepare: queue.Queue = queue.Queue()
        self._to_draw: queue.Queue = queue.Queue()
        self.pool: ThreadPoolExecutor | None = None
        self._threads: list[threading.Thread] = []

    # -- starting ---------------------------------------------------------------------------------------
    def start(self, operations: list[Any]) -> None:
        """Run these operations ahead, in this order (once; later calls do nothing)."""
        with self.lock:
            if self.started:
                return
            self.started = True
            self.pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="conformance-send")
            ops = [self._add(operation) for operation in operations]
        for op in ops:
            self._to_prepare.put(op)
        for op in ops:
            self._to_draw.put(op)
        for target, name in ((self._prepare_loop, "conformance-resolve"), (self._draw_loop, "conformance-draw")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _add(self, operation: Any) -> _Op:
        family = self.runner.family(operation)
        op = _Op(self.runner.new_run(operation), family, previous=self._last.get(family),
                 in_order=operation.shares_a_write_target)
        if op.previous is not None:
            op.previous.following.append(op)
        self._last[family] = op
        self.ops[operation.label] = op
        return op

    def run_of(self, operation: Any) -> Any:
        """The operation's run, once every operation of its family (so far) is done. An operation that was not
        planned is added now, after the others of its family."""
        with self.lock:
            op = self.ops.get(operation.label)
            late = op is None
            if late:
                op = self._add(operation)
        if late:
            self._to_prepare.put(op)
            self._to_draw.put(op)
        with self.lock:
            last = self._last[op.family]
        last.finished.wait()
        op.finished.wait()
        return op.run

    # -- resolving, then drawing ------------------------------------------------------------------------
    def _prepare_loop(self) -> None:
        self._serve(self._to_prepare, "prepare", lambda op: self.runner.prepare(op.run.operation), self._prepared)

    def _draw_loop(self) -> None:
        self._serve(self._to_draw, "draw", lambda op: self.runner.draw(
            op.run, lambda task, bounded=False, lane=0, op=op: self._submit(op, task, bounded, lane)), self._finish)

    def _serve(self, inbox: queue.Queue, phase: str, work: Callable[[_Op], None],
               then: Callable[[_Op], None]) -> None:
        """One thread's loop: ``work`` on each operation queued (unless stopping), until None comes; an error
        is handed to the operation's verdicts; ``then`` always follows."""
        while (op := inbox.get()) is not None:
            try:
                if not self.stopping.is_set():
                    work(op)
            except BaseException as exc:  # noqa: BLE001 - handed to the verdicts of the operation
                op.run.errors.setdefault((phase,), exc)
            finally:
                then(op)

    def _prepared(self, op: _Op) -> None:
        with self.lock:
            op.prepared = True
            self._release(op)

    # -- tasks --------------------------------------------------------------------------------------------
    def _submit(self, op: _Op, task: Callable[[], None], bounded: bool, lane: int = 0) -> None:
        """Queue one task of the operation; ``bounded`` tasks (generated requests) count against AHEAD, so the
        drawing thread waits when it is far ahead of the answers; ``lane`` matters where the operation runs
        in order."""
        if bounded:
            self.ahead.acquire()
        with self.lock:
            if self.stopping.is_set():
                if bounded:
                    self.ahead.release()
                return
            op.outstanding += 1
            if op.ready:
                self._dispatch(op, task, bounded, lane)
            else:
                op.buffer.append((task, bounded, lane))

    def _dispatch(self, op: _Op, task: Callable[[], None], bounded: bool, lane: int) -> None:
        """Under the lock: hand the task to the pool, or to its lane when the operation runs in order."""
        if not op.in_order:
            self.pool.submit(self._execute, op, task, bounded, lane)
            return
        waiting = op.lanes.setdefault(lane, collections.deque())
        waiting.append((task, bounded))
        if lane not in op.busy:
            op.busy.add(lane)
            self.pool.submit(self._execute, op, *waiting.popleft(), lane)

    def _execute(self, op: _Op, task: Callable[[], None], bounded: bool, lane: int) -> None:
        try:
            if not self.stopping.is_set():
                task()
        except BaseException as exc:  # noqa: BLE001 - a task keeps its own errors; this is the last resort
            op.run.errors.setdefault(("task",), exc)
        finally:
            if bounded:
                self.ahead.release()
            if op.in_order:
                self._next_in_lane(op, lane)
            self._finish(op)

    def _next_in_lane(self, op: _Op, lane: int) -> None:
        """An in-order task is done: the next one of its lane goes (or, when stopping, none does)."""
        with self.lock:
            waiting = op.lanes[lane]
            if waiting and not self.stopping.is_set():
                self.pool.submit(self._execute, op, *waiting.popleft(), lane)
                return
            dropped = len(waiting)
            waiting.clear()
            op.busy.discard(lane)
        for _ in range(dropped):
            self._finish(op)

    def _finish(self, op: _Op) -> None:
        with self.lock:
            op.outstanding -= 1
            if op.outstanding:
                return
            op.run.done = True
            op.finished.set()
            for following in op.following:
                self._release(following)

    def _release(self, op: _Op) -> None:
        """Under the lock: let the operation's tasks go, once its family's values are resolved and the operation
        before it in its family is done."""
        if op.ready or not op.prepared or self.stopping.is_set():
            return
        if op.previous is not None and not op.previous.finished.is_set():
            return
        op.ready = True
        for task, bounded, lane in op.buffer:
            self._dispatch(op, task, bounded, lane)
        op.buffer = []

    # -- stopping -----------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Send nothing more: tasks not started are dropped, the ones in flight finish."""
        with self.lock:
            self.stopping.set()
            started = self.started
        if not started:
            return
        self._to_prepare.put(None)
        self._to_draw.put(None)
        self.pool.shutdown(wait=True, cancel_futures=True)
        with self.lock:
            for op in self.ops.values():  # tasks never started: their operation is as done as it gets
                op.buffer = []
                op.finished.set()
        for _ in range(AHEAD):  # a drawing thread waiting for room wakes up and sees it should stop
            self.ahead.release()


__all__ = ["AHEAD", "Conductor", "families", "partition", "serialize_ast_construction"]
