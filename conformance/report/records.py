"""Verdicts turned into plain, redacted data: what travels from xdist workers to the controller and
what every report is built from."""

from __future__ import annotations

from typing import Any

from ..models import Verdict
from ..models import Exchange
from ..redaction import Redactor

BODY_EXCERPT = 2000


def exchange_record(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    """What the reports show of an exchange (redacted, with its curl command). Built once per exchange and
    redactor: a violation's record is asked for by the JSON record and again by the terminal's text, and
    redacting a request whose URL is hundreds of kilobytes long takes a while. Callers only read it."""
    kept = getattr(exchange, "_record", None)
    if kept is not None and kept[0] is redactor:
        return kept[1]
    record = _exchange_record(exchange, redactor)
    exchange._record = (redactor, record)  # type: ignore[attr-defined]
    return record


def _exchange_record(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    request = exchange.request
    headers = redactor.headers(dict(request.headers))
    url = redactor.url(request.url)
    body = redactor.body(request.body, BODY_EXCERPT)
    record: dict[str, Any] = {
        "kind": exchange.kind,
        "note": redactor.text(exchange.note),
        "request": {"method": request.method, "url": url, "headers": headers, "body": body},
        "response": None,
        "error": exchange.error,
        "curl": redactor.curl(request.method, request.url, dict(request.headers), request.body),
    }
    record["curl_env"] = redactor.curl_variables(record["curl"])  # what to set before running it
    if exchange.response is not None:
        response = exchange.response
        record["response"] = {
            "status": response.status,
            "headers": {k: redactor.text(", ".join(v)) if k not in ("authorization", "set-cookie", "cookie")
                        else "[REDACTED]" for k, v in response.headers.items()},
            "body": redactor.body(response.body, BODY_EXCERPT),
            "truncated": response.truncated,
        }
    return record


def verdict_record(verdict: Verdict, redactor: Redactor) -> dict[str, Any]:
    violations = []
    for violation in verdict.violations:
        entry: dict[str, Any] = {"operation": verdict.operation, "message": redactor.text(violation.message),
                                 "critical": violation.critical}
        if violation.exchange is not None:
            entry.update(exchange_record(violation.exchange, redactor))
        violations.append(entry)
    return {
        "rule": verdict.rule.id,
        "operation": verdict.operation,
        "status": verdict.status,
        "severity": verdict.rule.severity,
        "reason": redactor.text(verdict.reason),
        "violations": violations,
        "violation_count": verdict.violation_count,
        "judged": verdict.judged,
        # judged on the spec alone: it does not show that the API itself could be judged
        "static": verdict.rule.static,
    }


def unjudged_record(rule: Any, operation: str, reason: str, redactor: Redactor) -> dict[str, Any]:
    """A (rule, operation) the tool failed to judge: skipped with the error, never a silent "not run"."""
    return {"rule": rule.id, "operation": operation, "status": "skipped", "severity": rule.severity, "violations": [],
            "violation_count": 0, "judged": 0, "error": True, "reason": redactor.text(reason)}
