"""The registry of checks: what a check is, how it registers by name, and helpers several categories share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import jsonschema

from ..evidence import ANSWERED, CREDENTIAL, RESOURCE, UNTHROTTLED
from ..models import Exchange, Skip, Violation

IGNORE = object()


@dataclass
class Check:
    name: str
    kind: str  # "exchange" | "operation" | "static"
    judge: Callable[..., Any]
    probes: tuple[str, ...] = ()  # probes the check needs sent for it
    only_probes: tuple[str, ...] | None = None  # exchange checks: judge only these kinds
    applies: Callable[..., str | None] | None = None  # returns why the rule does not apply, or None
    params_schema: dict[str, Any] = field(default_factory=dict)
    judges_failures: bool = False  # exchange checks: a request that got no answer is a violation of this rule
    needs: frozenset[str] = frozenset()  # the preconditions (evidence.py) an exchange must meet to be judged
    reads_origin: bool = False  # judges what the API does with an Origin header: requests carry one

    @property
    def needs_credential(self) -> bool:
        return CREDENTIAL in self.needs

    def validate_params(self, rule: Any) -> None:
        if not self.params_schema:
            return
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(self.params_schema).iter_errors(rule.params))
        if error is not None:
            where = ".".join(str(p) for p in error.absolute_path)
            raise ValueError(f"{where + ': ' if where else ''}{error.message}")


CHECKS: dict[str, Check] = {}


def check(name: str, *, kind: str = "exchange", probes: Iterable[str] = (), only_probes: Iterable[str] | None = None,
          applies: Callable[..., str | None] | None = None, params: dict[str, Any] | None = None,
          judges_failures: bool = False, judges_throttled: bool = False, needs_credential: bool = False,
          reads_origin: bool = False):
    """Register a check. What it needs of an exchange is said here, once: a complete answer (unless it
    ``judges_failures``), not a 429 (unless it ``judges_throttled``), the resource it named reached (when it
    judges only its own probes, which are about what the request carried), and the valid credential accepted
    on the operation and channel (``needs_credential``: it judges what the API did with the request)."""
    needs = {RESOURCE}
    if not judges_failures:
        needs.add(ANSWERED)
    if not judges_throttled:
        needs.add(UNTHROTTLED)
    if needs_credential and kind != "static":
        needs.add(CREDENTIAL)
    resource_only = only_probes is None  # a rule about every answer drops an unreached one only while the
    # operation was never reached (Evidence.unmet); a rule about its own probes always does

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in CHECKS:
            raise RuntimeError(f"check {name!r} registered twice")
        CHECKS[name] = Check(name, kind, func, tuple(probes), tuple(only_probes) if only_probes is not None else None,
                             applies, params or {}, judges_failures,
                             frozenset(needs - {RESOURCE} if resource_only else needs), reads_origin)
        return func
    return register


def status_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {"status": {"type": "integer", "minimum": 100, "maximum": 599}}}


def refused(exchange: Exchange, *, about_body: bool = True) -> None:
    """A probe that carried a valid credential and was refused at the door cannot judge what lies behind it;
    nor can a body sent to an id that does not exist (``about_body``)."""
    status = exchange.response.status
    if status in (401, 403):
        raise Skip(f"the probe's valid credential was refused with {status}, so the API never judged the request "
                   "itself (see the auth rules)")
    if about_body and status == 404 and exchange.target == "unknown":
        raise Skip("the probe aimed at an id that does not exist (the suite could create no resource to aim at) and "
                   "the API answered 404 before judging the body")


__all__ = ["CHECKS", "Check", "IGNORE", "check", "refused", "status_schema"]
