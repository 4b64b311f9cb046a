"""Under pytest-xdist: which worker judges each operation, known before the run starts.

Each operation goes to one worker (its requests serve all its rules), the heaviest to draw first, each to the
least loaded worker (``static_share``); the controller and every worker compute the same split from the same
collection, so a worker can run every operation of its share ahead, concurrently, before its first verdict.
``static_scheduling`` is the xdist scheduler that hands the shares out at the start, all at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schedule import families, partition

if TYPE_CHECKING:
    from .spec import Spec

UNIT_PREFIX = "conformance::"


def worker_index(workerid: str) -> int | None:
    return int(workerid[2:]) if workerid.startswith("gw") and workerid[2:].isdigit() else None


def static_share(nodeids: list[str], spec: Spec, workers: int) -> dict[str, int]:
    """Which worker judges each operation: the heaviest to draw first, each to the least loaded worker. The
    controller and every worker compute the same split from the same collection.

    The operations of one collection (``schedule.families``: /users, /users/{id}, /users/{id}/keys) go to one
    worker together, where they run one after the other: one operation's writes never change what another reads
    halfway, at any -n as at none (under -n 2 json-server's GET /posts listed a post another worker was PUTting
    generated dates on)."""
    operations = {UNIT_PREFIX + op.label: op for op in spec.operations}
    family = families(op.path for op in spec.operations)
    units = list(dict.fromkeys(nodeid.rsplit("::", 1)[0] for nodeid in nodeids))
    group = {unit: family[operations[unit].path] if unit in operations else unit for unit in units}
    weights: dict[str, float] = {}
    for unit in units:  # partition() adds 1 per unit it places: a family of n operations weighs n - 1 more
        weight = operations[unit].weight if unit in operations else 0
        weights[group[unit]] = weights[group[unit]] + weight + 1 if group[unit] in weights else weight
    share = partition(list(weights.items()), workers)
    return {unit: share[group[unit]] for unit in units}


def static_scheduling(config: Any, log: Any, spec: Spec) -> Any:
    """The xdist scheduler of ``--dist loadscope`` runs (pytest_xdist_make_scheduler), pytest-xdist imported here."""
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    class StaticScheduling(LoadScopeScheduling):
        """xdist's loadscope (one operation's rules on one worker), except that every operation is handed to
        its worker at the start, all at once, by ``static_share``: each worker knows every operation it will
        judge before its first verdict, so it can run them all ahead, concurrently."""

        def schedule(self) -> None:
            assert self.collection_is_completed
            if self.collection is not None:
                for node in self.nodes:
                    self._reschedule(node)
                return
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = list(next(iter(self.registered_collections.values())))
            if not self.collection:
                return
            units: OrderedDict[str, dict[str, bool]] = OrderedDict()
            for nodeid in self.collection:
                units.setdefault(self._split_scope(nodeid), {})[nodeid] = False
            nodes = {worker_index(node.gateway.id): node for node in self.nodes}
            share = static_share(self.collection, spec, len(self.nodes))
            if None in nodes or set(nodes) != set(range(len(self.nodes))):
                self.workqueue.update(units)  # workers not named gw0..gwN-1: xdist's own handing out
                return super_schedule_rest(self)
            indices: dict[Any, list[int]] = {node: [] for node in self.nodes}
            for scope, work_unit in units.items():
                node = nodes[share.get(scope, 0)]
                self.assigned_work[node][scope] = work_unit
                collection = self.registered_collections[node]
                indices[node] += [collection.index(nodeid) for nodeid in work_unit]
            for node, todo in indices.items():
                if todo:
                    node.send_runtest_some(todo)
                else:
                    node.shutdown()

    def super_schedule_rest(scheduler: Any) -> None:
        for node in scheduler.nodes:
            if scheduler.workqueue:
                scheduler._assign_work_unit(node)

    return StaticScheduling(config, log)
