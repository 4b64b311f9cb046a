"""The checks that implement catalog rules, registered by name, one module per category.

A check is one of three kinds:

* ``exchange``: judges every exchange it is given (generated requests and probes alike), one at
  a time; returns a message for a violation, ``None`` for a pass, or ``IGNORE`` when the
  exchange says nothing about the rule. A check that ignored every exchange is *skipped*, never
  passed.
* ``operation``: judges the exchanges of the probes it asked for, all at once (a page walk, a
  create-update-read sequence); yields violations and raises ``Skip`` when it could not judge.
* ``static``: judges the OpenAPI description alone, before any request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import jsonschema

from ..models import Exchange, Violation

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
          applies: Callable[..., str | None] | None = None, params: dict[str, Any] | None = None):
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in CHECKS:
            raise RuntimeError(f"check {name!r} registered twice")
        CHECKS[name] = Check(name, kind, func, tuple(probes), tuple(only_probes) if only_probes is not None else None,
                             applies, params or {})
        return func
    return register


def status_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {"status": {"type": "integer", "minimum": 100, "maximum": 599}}}


__all__ = ["CHECKS", "Check", "Exchange", "IGNORE", "Violation", "check"]

# Register every category's checks.
from . import auth, content_type, cors, dates, errors, methods, naming, pagination, rate_limit, schema  # noqa: E402,F401
from .. import sequences  # noqa: E402,F401  (the stateful probes: crud, create, page-walk, rate-limit)
