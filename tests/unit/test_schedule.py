"""The schedule (schedule.Conductor): what runs at the same time, what waits, and what a verdict waits for.

The runner here is a stand-in whose tasks sleep instead of sending: what is checked is the order and the
overlap of tasks, which the conductor decides, not HTTP (the real runs are in tests/test_concurrency.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from conformance.schedule import AHEAD, Conductor, families, partition


def test_families_group_the_paths_under_one_collection():
    paths = ["/api/v1/projects", "/api/v1/projects/{id}", "/api/v1/projects/{id}/envs",
             "/api/v1/projects/{id}/envs/{envId}", "/api/v1/health", "/users/search", "/users", "/users/{id}",
             "/{tenant}/items", "/{tenant}/items/{id}", "/{tenant}/orders/{id}"]
    family = families(paths)
    assert {family[p] for p in paths[:4]} == {"/api/v1/projects"}
    assert family["/api/v1/health"] == "/api/v1/health"
    assert family["/users/search"] == family["/users"] == family["/users/{id}"] == "/users"
    assert family["/{tenant}/items"] == family["/{tenant}/items/{id}"] == "/{tenant}/items"
    assert family["/{tenant}/orders/{id}"] == "/{tenant}/orders"


def test_partition_gives_the_heaviest_first_to_the_least_loaded_and_is_the_same_every_time():
    units = [("a", 1), ("b", 10), ("c", 9), ("d", 2), ("e", 2)]
    split = partition(units, 2)
    assert split == partition(list(units), 2)
    assert split["b"] != split["c"]  # the two heavy ones on different workers
    loads = [sum(w + 1 for u, w in units if split[u] == worker) for worker in (0, 1)]
    assert abs(loads[0] - loads[1]) <= 3, loads
    assert set(partition(units, 1).values()) == {0}


@dataclass
class Op:
    label: str
    path: str
    shares_a_write_target: bool = False


@dataclass
class Run:
    operation: Op
    errors: dict = field(default_factory=dict)
    done: bool = False


class Stand:
    """A runner whose operations each have ``tasks`` tasks that sleep ``pause`` seconds."""

    def __init__(self, tasks: int = 4, pause: float = 0.05):
        self.tasks, self.pause = tasks, pause
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, float]] = []  # (event, label, time)
        self.running = 0
        self.most = 0

    def family(self, operation: Op) -> str:
        return operation.path.split("/")[1]

    def new_run(self, operation: Op) -> Run:
        return Run(operation)

    def prepare(self, operation: Op) -> None:
        self.note("prepare", operation.label)

    def note(self, event: str, label: str) -> None:
        with self.lock:
            self.log.append((event, label, time.monotonic()))

    def draw(self, run: Run, submit) -> None:
        for _ in range(self.tasks):
            submit(lambda label=run.operation.label: self.task(label), bounded=True)

    def task(self, label: str) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.note("start", label)
        time.sleep(self.pause)
        self.note("end", label)
        with self.lock:
            self.running -= 1

    def times(self, event: str, label: str) -> list[float]:
        return [t for e, l, t in self.log if e == event and l == label]


OPS = [Op("GET /a", "/a"), Op("POST /a", "/a"), Op("GET /b", "/b/{id}"), Op("GET /c", "/c")]


def test_operations_of_one_family_run_one_after_the_other_and_families_at_the_same_time():
    stand = Stand()
    conductor = Conductor(stand, concurrency=8)
    conductor.start(OPS)
    for op in OPS:
        conductor.run_of(op)
    conductor.stop()
    assert max(stand.times("end", "GET /a")) <= min(stand.times("start", "POST /a"))
    # /b and /c are other families: they overlap with /a
    assert min(stand.times("start", "GET /b")) < max(stand.times("end", "GET /a"))
    assert min(stand.times("start", "GET /c")) < max(stand.times("end", "GET /a"))
    # an operation's values are resolved before any of its tasks starts, one operation after the other
    prepared = {label: t for e, label, t in stand.log if e == "prepare"}
    assert list(prepared) == [op.label for op in OPS]
    for op in OPS:
        assert prepared[op.label] <= min(stand.times("start", op.label))


def test_a_family_starts_while_later_ones_are_still_being_resolved():
    stand = Stand(pause=0.02)
    original = stand.prepare

    def slow(operation):
        if operation.label == "GET /c":
            time.sleep(0.4)  # listing its collection takes a while
        original(operation)
    stand.prepare = slow
    conductor = Conductor(stand, concurrency=4)
    conductor.start(OPS)
    for op in OPS:
        conductor.run_of(op)
    conductor.stop()
    resolved_c = stand.times("prepare", "GET /c")[0]
    assert max(stand.times("end", "GET /a")) < resolved_c <= min(stand.times("start", "GET /c"))


def test_the_writes_to_one_shared_resource_go_one_at_a_time_in_plan_order_and_the_lanes_at_once():
    """A PATCH's tasks write to the resources the suite keeps for writing, one per lane, so each answer depends
    on the writes before it in its lane: a lane's tasks go one at a time, in the order they were drawn, whatever
    the pauses; the lanes, and another family, go on at the same time."""
    import random

    stand = Stand(pause=0.0)
    pauses = random.Random(7)
    runs: dict[int, list[tuple[int, float, float]]] = {0: [], 1: []}  # lane: (number, start, end)

    def draw(run, submit):
        for number in range(16):
            def task(number=number, label=run.operation.label, pause=pauses.uniform(0, 0.03)):
                start = time.monotonic()
                stand.note("start", label)
                time.sleep(pause)
                if label == "PATCH /a/{id}":
                    with stand.lock:
                        runs[number % 2].append((number, start, time.monotonic()))
            submit(task, bounded=number % 3 == 0, lane=number % 2)
    stand.draw = draw
    ops = [Op("PATCH /a/{id}", "/a/{id}", shares_a_write_target=True), Op("GET /c", "/c")]
    conductor = Conductor(stand, concurrency=8)
    conductor.start(ops)
    for op in ops:
        conductor.run_of(op)
    conductor.stop()
    for lane, done in runs.items():
        assert [number for number, _, _ in done] == list(range(lane, 16, 2))
        assert all(later[1] >= earlier[2] for earlier, later in zip(done, done[1:])), f"lane {lane} overlapped"
    assert any(a[1] < b[2] and b[1] < a[2] for a in runs[0] for b in runs[1]), "the lanes never ran at once"
    assert min(stand.times("start", "GET /c")) < max(end for _, _, end in runs[0])  # another family, meanwhile


def test_at_most_concurrency_tasks_at_once():
    stand = Stand(tasks=10, pause=0.02)
    conductor = Conductor(stand, concurrency=3)
    conductor.start(OPS)
    for op in OPS:
        conductor.run_of(op)
    conductor.stop()
    assert stand.most == 3


def test_a_verdict_waits_for_its_whole_family():
    """The rules of GET /a judge only once POST /a (whose sequences may read GET /a back) is done too."""
    stand = Stand(pause=0.05)
    conductor = Conductor(stand, concurrency=8)
    conductor.start(OPS)
    conductor.run_of(OPS[0])
    returned = time.monotonic()
    assert returned >= max(stand.times("end", "POST /a"))
    conductor.stop()


def test_an_operation_not_planned_runs_when_asked_for_after_its_family():
    stand = Stand(pause=0.02)
    conductor = Conductor(stand, concurrency=4)
    conductor.start(OPS[:1])
    late = Op("DELETE /a", "/a/{id}")
    run = conductor.run_of(late)
    assert run.operation is late
    assert min(stand.times("start", "DELETE /a")) >= max(stand.times("end", "GET /a"))
    conductor.stop()


def test_drawing_waits_when_it_is_far_ahead_of_the_answers():
    stand = Stand(tasks=AHEAD + 40, pause=0.0)
    gate = threading.Event()
    stand.task = lambda label: gate.wait()  # nothing is answered until the gate opens
    conductor = Conductor(stand, concurrency=2)
    conductor.start(OPS[:1])
    time.sleep(0.3)
    op = conductor.ops["GET /a"]
    with conductor.lock:
        queued = op.outstanding - 1  # the drawing's own share aside
    assert queued == AHEAD  # the drawing thread waits for room
    gate.set()
    conductor.run_of(OPS[0])
    conductor.stop()


def test_stop_drops_the_tasks_not_started():
    stand = Stand(tasks=50, pause=0.02)
    conductor = Conductor(stand, concurrency=2)
    conductor.start(OPS)
    time.sleep(0.1)
    conductor.stop()
    started = len([e for e, _, _ in stand.log if e == "start"])
    assert 0 < started < 4 * 50
    for op in OPS:  # nothing waits forever after a stop
        conductor.run_of(op)


def test_an_error_in_a_task_is_kept_for_the_verdicts():
    stand = Stand(tasks=1)

    def draw(run, submit):
        def broken():
            raise RuntimeError("boom")
        submit(broken)
    stand.draw = draw
    conductor = Conductor(stand, concurrency=2)
    conductor.start(OPS[:1])
    run = conductor.run_of(OPS[0])
    assert [str(e) for e in run.errors.values()] == ["boom"]
    conductor.stop()
