"""Exercise: the tasks that send one operation's requests (its generated requests and its probes), and the run
that keeps what they sent and what came back, in plan order. The runner (engine.py) freezes a finished run into
the operation's evidence (evidence.py), which is all its verdicts read.
"""

from __future__ import annotations

import json
import random
import threading
from typing import Any, Callable

from schemathesis import GenerationMode

from .catalog import Rule
from .models import Exchange, PathValue, Request, Skip, UnusableDefinition
from .plan import RequestPlan
from .probes import PROBES, natural_target
from .spec import Operation, norm


def request_key(parts: Any) -> str:
    """What makes two generated requests the same request (the resource they are aimed at aside)."""
    return json.dumps({"query": parts.query, "headers": parts.headers, "body": [parts.body.kind, parts.body.value,
                                                                                  parts.body.media_type],
                       "path": parts.path if parts.path_is_invalid else None}, sort_keys=True, default=repr)


class TaskRun:
    """One task of an operation's run: one generated request, or one probe with everything it sends (a
    sequence stays in order inside its task). It is the ProbeRun a probe sees. The tasks of an operation run
    at the same time; each keeps its own exchanges and its own random numbers (seeded by its place in the
    plan), so what it sends, and the order the rules read it in, do not depend on which answer came first."""

    def __init__(self, run: "OperationRun", index: tuple, kind: str, ordinal: int | None = None):
        self.run = run
        self.runner = run.runner
        self.operation = run.operation
        self.settings = run.settings
        self.credentials = run.credentials
        self.index = index
        self.kind = kind
        self.ordinal = ordinal  # a generated DELETE's place in line for a fresh resource
        self.case: Any = None  # a generated request's schemathesis Case
        self.rng = random.Random(run.runner.seed_for(run.operation.label, f"{kind}|{index}"))
        self.exchanges: list[Exchange] = []

    # -- the ProbeRun protocol ------------------------------------------------------------------------
    def send(self, plan: RequestPlan) -> Exchange:
        exchange, throttled = self.runner.send_plan(plan, self.rng, judged_label=self.operation.label,
                                                    requester=(self.operation.label, self.kind),
                                                    ordinal=self.ordinal)
        self.exchanges.extend(throttled)
        self.exchanges.append(exchange)
        return exchange

    def allows(self, method: str) -> bool:
        return self.runner.transport.policy.allows(method)

    def raw_head(self, request: Request, note: str) -> Exchange:
        return self.runner.transport.raw_head(request, kind="head", note=note)

    def rules_using(self, probe: str) -> list[Rule]:
        return [rule for rule, check in self.runner.active(self.operation) if probe in check.probes]

    def sample_body(self) -> Any:
        sample = self.runner.builder.sample(self.operation, self.runner.seed_for(self.operation.label, "positive"))
        return sample.body.value if sample is not None and sample.body.kind == "json" else {}

    def find(self, method: str, path: str) -> Operation | None:
        return next((op for op in self.runner.spec.operations if op.method == method and norm(op.path) == norm(path)),
                    None)

    def item_operation(self, method: str, collection: str) -> Operation | None:
        return next((op for op in self.runner.spec.operations
                     if op.method == method and op.collection_path == norm(collection)), None)

    def creation_body(self, operation: Operation, *, with_optional: bool) -> tuple[dict[str, Any], str | None]:
        return self.runner.builder.creation_body(operation, self.runner.seed_for(operation.label, "crud"), self.rng,
                                                 with_optional=with_optional)

    def generated_bodies(self, operation: Operation, count: int = 12) -> list[dict[str, Any]]:
        return self.runner.builder.generated_bodies(operation, self.runner.seed_for(operation.label, "crud"), count)

    def credential_fields(self) -> set[str]:
        return self.runner.builder.credential_fields()

    def forget(self, values: dict[str, PathValue]) -> None:
        self.runner.resources.consumed(values)

    def rate_limit_target(self) -> Operation | None:
        gets = [op for op in self.runner.spec.operations if op.method == "GET"
                and any("rate-limit" in check.probes for _, check in self.runner.active(op))]
        return min(gets, key=lambda op: op.path) if gets else None


GENERATED, PROBE = 0, 1  # the first element of a task's index: generated requests come first, then probes


class OperationRun:
    """Everything sent for one operation, and what came back: its tasks, read in plan order."""

    def __init__(self, runner: Any, operation: Operation):  # runner: engine.Runner
        self.runner = runner
        self.operation = operation
        self.settings = runner.settings
        self.credentials = runner.credentials
        self.tasks: list[TaskRun] = []
        self.results: dict[str, Any] = {}
        self.probe_skips: dict[str, str] = {}
        self.errors: dict[tuple, BaseException] = {}  # unexpected errors, raised again by the verdicts
        self._generation_skips: dict[tuple, str] = {}
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] | None = None
        self.done = False  # every task has finished (set by the conductor)

    @property
    def exchanges(self) -> list[Exchange]:
        """Every exchange of the operation's tasks, in plan order (never in the order the answers came)."""
        if self._exchanges is not None:
            return self._exchanges
        with self._lock:
            tasks = sorted(self.tasks, key=lambda t: t.index)
        out = [exchange for task in tasks for exchange in task.exchanges]
        if self.done:
            self._exchanges = out
        return out

    @property
    def generation_skip(self) -> str | None:
        """Why generated requests stopped (read-only, the budget), the first in plan order."""
        with self._lock:
            return self._generation_skips[min(self._generation_skips)] if self._generation_skips else None

    def task(self, index: tuple, kind: str, ordinal: int | None = None) -> TaskRun:
        task = TaskRun(self, index, kind, ordinal)
        with self._lock:
            self.tasks.append(task)
        return task

    def probes_needed(self) -> list[str]:
        needed: list[str] = []
        for _, check in self.runner.active(self.operation):
            needed += [p for p in check.probes if p not in needed]
        return needed

    @property
    def unusable(self) -> UnusableDefinition | None:
        """Why nothing could be drawn for the operation, where the spec's definition of it is unusable."""
        error = self.errors.get(("draw",))
        return error if isinstance(error, UnusableDefinition) else None

    def raise_error(self) -> None:
        """An unexpected error in one of the operation's tasks: raised again for its verdicts."""
        if self.errors:
            raise self.errors[min(self.errors, key=repr)]

    # -- the tasks ---------------------------------------------------------------------------------------
    def generated(self, number: int, case: Any, mode: GenerationMode) -> Callable[[], None]:
        task = self.task((GENERATED, number), "generated", ordinal=number)
        task.case = case
        plan = RequestPlan(self.operation, "generated", f"generated ({mode.value})",
                           target=natural_target(self.operation), case=case)

        def send() -> None:
            try:
                task.send(plan)
            except Skip as skip:  # the budget is spent, or no request could be built
                with self._lock:
                    self._generation_skips[task.index] = str(skip)
            except BaseException as exc:  # noqa: BLE001
                self.errors[task.index] = exc
        return send

    def probe(self, number: int, name: str) -> Callable[[], None]:
        task = self.task((PROBE, number), name)

        def run() -> None:
            try:
                result = PROBES[name](task)
            except Skip as skip:
                self.probe_skips[name] = str(skip)
                return
            except UnusableDefinition as unusable:  # the probe needed a request of an operation the spec
                # defines unusably (that operation's own verdicts tell it)
                self.probe_skips[name] = f"a request the probe needs cannot be drawn from the spec ({unusable})"
                return
            except BaseException as exc:  # noqa: BLE001
                self.errors[task.index] = exc
                return
            if not isinstance(result, list):
                self.results[name] = result
        return run

    def skip_generation(self, why: str) -> None:
        with self._lock:
            self._generation_skips[(GENERATED, -1)] = why


__all__ = ["GENERATED", "PROBE", "OperationRun", "TaskRun", "request_key"]
