"""The registry of checks: what a check is, how it registers by name, and helpers several categories share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import jsonschema

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
    needs_credential: bool = True  # judges answers to requests that carried the valid credential

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
          judges_failures: bool = False, needs_credential: bool = True):
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in CHECKS:
            raise RuntimeError(f"check {name!r} registered twice")
        CHECKS[name] = Check(name, kind, func, tuple(probes), tuple(only_probes) if only_probes is not None else None,
                             applies, params or {}, judges_failures, needs_credential and kind != "static")
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
