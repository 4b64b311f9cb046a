"""evidence -> verdicts. The judge reads one operation's frozen evidence and a frozen context, never the runner.

A check says once what it needs of an exchange (``Check.needs``, the preconditions of evidence.py). The judge
gives it exactly the exchanges that meet them, and turns what it returns into a typed verdict: passed, failed
(with its violations), or skipped with a reason that names the precondition that failed. A check that judged
nothing is skipped, never passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response as StResponse

from .evidence import ANSWERED, CREDENTIAL, RESOURCE, UNTHROTTLED, Evidence
from .models import Exchange, NotApplicable, PathValue, Skip, Verdict, Violation
from .rules import IGNORE, Check

MAX_EVIDENCE = 5  # violations kept per (rule, operation); the count says how many there were


@dataclass(frozen=True)
class Context:
    """What a check sees: its rule (overrides applied), the operation, the run's settings, and the evidence of
    the operation's run (None for a static check, and for deciding whether a rule applies)."""

    rule: Any  # catalog.Rule
    operation: Any  # spec.Operation
    catalog: Any  # catalog.Catalog
    settings: Any  # settings.Settings
    credentials: Any  # credentials.Credentials
    evidence: Evidence | None = None
    shown_url: Callable[[str], str] = str  # a URL as a message shows it (redacted, cut short)

    @property
    def params(self) -> dict[str, Any]:
        return self.rule.params

    def _evidence(self) -> Evidence:
        if self.evidence is None:
            raise RuntimeError(f"{self.rule.id} asked for evidence while deciding whether it applies")
        return self.evidence

    def exchanges(self, kind: str) -> list[Exchange]:
        return self._evidence().of_kind(kind)

    def result(self, probe: str) -> Any:
        return self._evidence().result(probe)

    @property
    def credential_check(self) -> Any:
        return self._evidence().credential

    @property
    def forbidden_check(self) -> Any:
        return self._evidence().forbidden

    @property
    def reached(self) -> bool:
        """Did a valid request to this operation get a 2xx?"""
        return self._evidence().reached

    @property
    def reached_values(self) -> dict[str, PathValue]:
        return dict(self._evidence().reached_values)

    @property
    def path_reached(self) -> bool:
        """Did a valid request to any operation on this path get a 2xx?"""
        return self._evidence().path_reached

    def validate_with_schemathesis(self, exchange: Exchange, checks: list[Any]) -> Any:
        case = exchange.case
        if case is None or exchange.response is None:
            return IGNORE
        response = StResponse(status_code=exchange.response.status, headers=exchange.response.headers,
                              content=exchange.response.body, request=exchange.prepared,
                              elapsed=exchange.response.elapsed, verify=True, message=exchange.response.reason)
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            return "; ".join(_failure_text(f) for f in group.exceptions)
        except Failure as failure:
            return _failure_text(failure)
        return None


def _failure_text(failure: Failure) -> str:
    message = " ".join(line.strip() for line in (failure.message or "").splitlines()[:3] if line.strip())
    return f"{failure.title}: {message}" if message else str(failure.title)


def judge(check: Check, ctx: Context) -> Verdict:
    """The rule's verdict on the operation, from the evidence alone."""
    try:
        if check.kind == "static":
            return finish(ctx, [as_violation(v, None) for v in check.judge(ctx)], judged=1)
        evidence = ctx._evidence()
        if check.kind == "operation":
            if CREDENTIAL in check.needs and (refusal := evidence.refusal()) is not None:
                raise Skip(f"not judged: the valid credential is not accepted on this operation ({refusal})")
            for name in check.probes:
                if name in evidence.probe_skips:
                    raise Skip(evidence.probe_skips[name])
            return finish(ctx, [as_violation(v, None) for v in check.judge(ctx)], judged=1)
        return _judge_exchanges(check, ctx, evidence)
    except Skip as skip:
        return Verdict(ctx.rule, ctx.operation.label, "skipped", str(skip))
    except NotApplicable as na:
        return Verdict(ctx.rule, ctx.operation.label, "not-applicable", str(na))


def _judge_exchanges(check: Check, ctx: Context, evidence: Evidence) -> Verdict:
    if check.only_probes is not None:
        exchanges = [e for e in evidence.exchanges if e.kind in check.only_probes]
        if not exchanges:
            reasons = [evidence.probe_skips[p] for p in check.only_probes if p in evidence.probe_skips]
            raise Skip(reasons[0] if reasons else "the probe sent no request")
    else:
        exchanges = [e for e in evidence.exchanges if e.judged]
    violations: list[Violation] = []
    dropped: dict[str, list[Exchange]] = {}
    judged = 0
    for exchange in exchanges:
        if exchange.response is None and not check.judges_failures:
            dropped.setdefault(ANSWERED, []).append(exchange)  # one finding, in one place: server-errors
            continue
        if exchange.response is None:
            judged += 1
            violations.append(Violation(f"No response to {exchange.request.method} "
                                        f"{ctx.shown_url(exchange.request.url)}: {exchange.error}.", exchange))
            continue
        unmet = evidence.unmet(exchange, check.needs)
        if unmet is not None:
            dropped.setdefault(unmet, []).append(exchange)
            continue
        outcome = check.judge(ctx, exchange)
        if outcome is IGNORE:
            continue
        judged += 1
        if outcome:
            violations.append(as_violation(outcome, exchange))
    if judged == 0:
        raise Skip(_nothing_judged(ctx, evidence, dropped, len(exchanges)))
    return finish(ctx, violations, judged)


def _nothing_judged(ctx: Context, evidence: Evidence, dropped: dict[str, list[Exchange]], total: int) -> str:
    """Why a rule judged nothing: the precondition its exchanges failed, the most telling first."""
    if RESOURCE in dropped:
        unreached = dropped[RESOURCE]
        first = unreached[0]
        return (f"every answer it could judge came from a resource that was never reached ({len(unreached)} "
                f"answered {first.response.status}, e.g. {first.request.method} {ctx.shown_url(first.request.url)}); "
                f"{evidence.unreached_hint or 'nothing was judged'}")
    if CREDENTIAL in dropped:
        refused = dropped[CREDENTIAL]
        why = evidence.refusal(refused[0])
        return (f"not judged: the valid credential was not accepted for the {len(refused)} request(s) this rule "
                f"would judge ({why}); auth.valid-credentials reports it")
    if ANSWERED in dropped:
        unanswered = dropped[ANSWERED]
        return (f"no answer came to the {len(unanswered)} request(s) this rule would judge ({unanswered[0].error}); "
                "server-errors.no-5xx reports it")
    if UNTHROTTLED in dropped:
        return (f"every answer this rule would judge was 429 Too Many Requests ({len(dropped[UNTHROTTLED])}): "
                "lower --conformance-rate")
    return evidence.generation_skip or f"none of the {total} responses was one this rule judges"


def as_violation(outcome: Any, exchange: Exchange | None) -> Violation:
    if isinstance(outcome, Violation):
        if outcome.exchange is None:
            outcome.exchange = exchange
        return outcome
    return Violation(str(outcome), exchange)


def _readability(violation: Violation) -> tuple[int, int]:
    exchange = violation.exchange
    if exchange is None:
        return (0, 0)
    drawn = sum(1 for value in exchange.values.values() if not value.real)
    return (drawn, len(exchange.request.url))


def finish(ctx: Context, violations: list[Violation], judged: int) -> Verdict:
    if not violations:
        return Verdict(ctx.rule, ctx.operation.label, "passed", judged=judged)
    # Keep distinct messages, critical ones first; of the violations that say the same, the one a person can
    # most easily replay: path values known to exist rather than drawn ones, then the shortest URL.
    distinct: dict[str, Violation] = {}
    for violation in violations:
        kept = distinct.get(violation.message)
        if kept is None or _readability(violation) < _readability(kept):
            distinct[violation.message] = violation
    kept = sorted(distinct.values(), key=lambda v: not v.critical)[:MAX_EVIDENCE]
    return Verdict(ctx.rule, ctx.operation.label, "failed", violations=kept, violation_count=len(violations),
                   judged=judged)


__all__ = ["Context", "MAX_EVIDENCE", "as_violation", "finish", "judge"]
