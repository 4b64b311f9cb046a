"""The JSON report: a stable format for machines (documented in the README).

    {"format": "conformance-report/1",
     "summary": {verdict, passed, failed, accepted, advisory, skipped, new_failures, requests, duration_s, target,
                 spec, profile, seed, reach: {reached, operations, by_operation}, credential: {status, ...},
                 baseline?: {file, accepted, fixed, expired},
                 shard?: {index, count, operations, reach_elsewhere, exit_status},  (a --conformance-shard run)
                 shards?: [{index, file, requests, duration_s, exit_status}], ...},  (`conformance merge`)
     "run": {tool, spec, spec_digest, profile, catalog, seed, max_examples, read_only, operations, unusable},
     "documents": [{file, title}],
     "rules": [{id, category, severity, basis, example, title, source: {document, document_title, section, quote?},
                status, operations: {label: status}, violations: [...]}],
     "unobservable": [...],
     "coverage"?: {checked, sentences, verdicts, rows: [...]}}  (a catalog that lists its documents' normative
                  sentences, as `conformance derive` writes it: see coverage.py; summary.coverage has the counts)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from .coverage import coverage
from .sources import document_titles, with_title

FORMAT = "conformance-report/1"
STATUS_ORDER = ("failed", "passed", "skipped", "not-applicable")
# Examples are not requirements: a value shown in an example informs, never binds. A rule whose only basis is
# a value of the document's example (basis example-value: Rule.advisory) is reported when it fails, and never fails
# the run. The structure of an example that is the only definition of a promised format binds (example-structure).
ADVISORY = "advisory: the document's example"


def rule_status(statuses: list[str], accepted: bool = False, advisory: bool = False) -> str:
    """failed | accepted (it failed only where the baseline accepts it) | advisory (it failed, and only an example
    of the document supports it) | passed | skipped."""
    if "failed" in statuses:
        return "accepted" if accepted else "advisory" if advisory else "failed"
    if "passed" in statuses:
        return "passed"
    return "skipped"


def counts_against(record: dict[str, Any]) -> bool:
    """A failure that fails the run: neither accepted by the baseline nor advisory."""
    return record["status"] == "failed" and not record.get("baselined") and not record.get("advisory")


def _reason(status: str, judged: list[dict[str, Any]]) -> str:
    if status != "skipped":
        return ""
    if not judged:
        return "the rule applies to no operation of this spec"
    return judged[0]["reason"]


def _operation_entry(record: dict[str, Any], expired_on: str | None) -> dict[str, Any]:
    entry = {"status": record["status"], "reason": record["reason"], "violation_count": record["violation_count"]}
    if record.get("baselined"):
        entry.update(baselined=True, accepted_because=record.get("accepted_because", ""))
    if record.get("advisory"):
        entry["advisory"] = True  # failed, and only the document's example supports the rule: it informs
    if expired_on is not None:
        entry["baseline_expired"] = expired_on  # the baseline accepted it until then: it counts again
    # what the run's verdict and `conformance merge` read beside the status (each only when it holds): judged on
    # the spec alone, a cell no test item reported (not collected; not_run: it would have been), a tool error
    if record.get("static"):
        entry["static"] = True
    if "not_run" in record:
        entry["collected"] = False
        if record["not_run"]:
            entry["not_run"] = True
    if record.get("error"):
        entry["error"] = True
    return entry


def build_report(*, catalog: Catalog, records: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """One entry per catalog rule, whatever ran; records are verdict records (see records.py)."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(records, key=lambda r: (r["rule"], r["operation"])):
        by_rule.setdefault(record["rule"], []).append(record)
    titles = document_titles(catalog.documents)
    expired = {(e["rule"], e["operation"]): e.get("expires", "")
               for e in (meta.get("baseline") or {}).get("expired", [])}
    rules = []
    counts = {"passed": 0, "failed": 0, "accepted": 0, "advisory": 0, "skipped": 0}
    for rule in catalog.rules:
        entries = by_rule.get(rule.id, [])
        judged = [e for e in entries if e["status"] != "not-applicable"]
        failing = [e for e in judged if e["status"] == "failed"]
        new = any(counts_against(e) for e in failing)
        accepted = not new and any(e.get("baselined") for e in failing)
        status = rule_status([e["status"] for e in judged], accepted, advisory=not new)
        counts[status] += 1
        violations = [v for e in entries for v in e["violations"]]
        rules.append({
            "id": rule.id,
            "category": rule.category,
            "severity": rule.severity,
            "basis": rule.basis,  # sentence | example-structure | example-value
            "example": rule.advisory,  # the first format's name for basis example-value: advisory
            "title": rule.title,
            "source": with_title(rule.source, titles),
            "status": status,
            "reason": _reason(status, judged),
            "operations": {e["operation"]: _operation_entry(e, expired.get((rule.id, e["operation"])))
                           for e in entries},
            "violations": violations,
        })
    new_failures = sum(1 for r in records if counts_against(r))
    judged = any(r["status"] in ("passed", "failed") and not r.get("static") for r in records)
    ran = any(r["status"] != "not-applicable" and not r.get("not_run") and not r.get("static") for r in records)
    # the run's verdict, as the exit status has it: accepted violations do not fail it, nor do advisory ones (the
    # document's example), nor does a rule that was not run; a run that ran and could judge nothing fails (a gate
    # that checked nothing does not pass)
    # a rule the tool failed to judge fails the run too (pytest counts its item as failed): never a silent pass
    errors = [{"rule": r["rule"], "operation": r["operation"], "reason": r["reason"]} for r in records if r.get("error")]
    verdict = "failed" if new_failures or errors or (ran and not judged) else "passed"
    summary = {"verdict": verdict, **counts, "new_failures": new_failures, "rules": len(catalog.rules), **meta}
    if errors:
        summary["errors"] = errors
    unobservable = [{**u, "source": with_title(u.get("source", {}), titles)} for u in catalog.unobservable]
    report = {"format": FORMAT, "summary": summary, "documents": [dict(d) for d in catalog.documents], "rules": rules,
              "unobservable": unobservable}
    covered = coverage(getattr(catalog, "normative", ()), {r["id"]: r["source"] for r in rules}, catalog.unobservable,
                       statuses={r["id"]: r["status"] for r in rules}, titles=titles)
    if covered is not None:  # the documents' normative sentences, with this run's verdicts (coverage.py)
        summary["coverage"] = {"checked": covered["checked"], "sentences": covered["sentences"],
                               "verdicts": covered["verdicts"]}
        report["coverage"] = covered
    return report


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")
