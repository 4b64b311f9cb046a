"""Reach: did a valid request reach each operation (a 2xx, or the redirect the spec documents as its answer),
and where each identifier it used came from."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .models import Exchange, PathValue
from .plan import RequestPlan


@dataclass
class OperationReach:
    """Did a valid request reach the operation (a 2xx, or the redirect the spec documents as its answer), and
    with which path values."""

    reached: bool = False
    statuses: Counter = field(default_factory=Counter)
    valid: Counter = field(default_factory=Counter)  # the statuses of requests with the valid credential
    best: tuple[tuple, dict[str, PathValue]] | None = None  # (rank, values): the lowest rank is shown

    @property
    def values(self) -> dict[str, PathValue]:
        return dict(self.best[1]) if self.best is not None else {}


class Reach:
    """Per operation: whether a request with the valid credential (or none) got a 2xx, and where each path
    value came from. Every request counts, whichever operation's run sent it. The values shown are chosen by
    rank, not by which answer came first: a request that reached it, else one with the valid credential, else
    any; among those, the lowest values in a fixed order."""

    def __init__(self) -> None:
        self.by_operation: dict[str, OperationReach] = {}
        self._lock = threading.Lock()

    def record(self, plan: RequestPlan, exchange: Exchange) -> None:
        """Count one answer. Only a valid request reaches: not a generated negative one, nor a probe's request
        wrong on purpose (a malformed body, a forbidden media type, an id that does not exist), whatever it got."""
        if plan.http_method != plan.operation.method or exchange.response is None or plan.kind == "cleanup":
            return
        valid = not is_negative(plan) and not plan.broken  # a request meant to be carried out
        reached = plan.operation.answered(exchange.response.status) and plan.credential.kind in ("valid", "none") \
            and valid
        rank = (0 if reached else 1 if plan.credential.kind == "valid" else 2,
                sum(1 for v in exchange.values.values() if not v.real),  # values known to exist first
                json.dumps([[n, str(v.value), v.source, v.detail] for n, v in sorted(exchange.values.items())]))
        with self._lock:
            reach = self.by_operation.setdefault(plan.operation.label, OperationReach())
            reach.statuses[exchange.response.status] += 1
            if plan.credential.kind == "valid" and valid:
                reach.valid[exchange.response.status] += 1
            reach.reached = reach.reached or reached
            if reach.best is None or rank < reach.best[0]:
                reach.best = (rank, dict(exchange.values))

    def path_reached(self, path: str) -> bool:
        with self._lock:
            return any(r.reached and label.split(" ", 1)[1] == path for label, r in self.by_operation.items())

    def reached(self, label: str) -> bool:
        reach = self.by_operation.get(label)
        return bool(reach and reach.reached)


def is_negative(plan: RequestPlan) -> bool:
    meta = getattr(plan.case, "_meta", None) if plan.case is not None else None
    return bool(meta is not None and meta.generation.mode.is_negative)


def answers_hint(operation: Any, reach: OperationReach | None) -> str:
    """For an operation whose identifiers are known but that no valid request reached: what the answers to the
    valid credential say, and the option that may help."""
    if reach is None or not reach.valid:
        return "no valid request with the valid credential was answered"
    statuses = ", ".join(f"{status} x{count}" for status, count in sorted(reach.valid.items()))
    said = f"no valid request got a 2xx (answers to the valid credential: {statuses})"
    if all(status in (401, 403) for status in reach.valid):
        return f"{said}: check the credential (--conformance-token)"
    if all(300 <= status < 400 and status != 304 for status in reach.valid):
        return (f"{said}: it redirects, and its spec documents no redirect as its answer; if redirecting is what it "
                f"does, document that status (and no 2xx) in the spec and the redirect counts as reaching it")
    refused = [status for status in reach.valid if status != 412]  # a 412: a generated If-Match, not the body
    if operation.written_body is not None and operation.method in ("POST", "PUT", "PATCH") and refused \
            and all(status in (400, 404, 409, 422) for status in refused):
        return (f"{said}: the API refused every body built from the spec; give the fields it wants with "
                f"--conformance-param {operation.path}:body:NAME=VALUE")
    return said


__all__ = ["OperationReach", "Reach", "answers_hint", "is_negative"]
