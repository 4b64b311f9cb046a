"""The run record: what one run found, whether it passes, and the reports written from it.

It knows nothing of pytest nor of the engine: it is given the verdict records (``records.verdict_record``) as
they come, what each process saw (the requests it sent, which operations a valid request reached, whether the
API accepted the credential) and, at the end, the run's catalog, spec and settings. Under xdist every worker
sends its view (``worker_output``) and the controller merges them (``RunRecord.merge``), then writes once.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .reach_gate import reach_gate

if TYPE_CHECKING:
    from ..baseline import Baseline
    from ..catalog import Catalog, Rule
    from ..settings import Settings

# The exit status of a run whose gate failed (pytest's ExitCode.TESTS_FAILED; a shell's "1").
FAILED_STATUS = 1
NOT_RUN_REASON = "not run in this session (deselected, or the run stopped early)"


def worker_output(*, requests: int, reach: dict[str, Any], credential: dict[str, Any]) -> dict[str, Any]:
    """What an xdist worker sends the controller at its end (entries of xdist's ``workeroutput``): the requests
    it sent, its reach report, and whether the API accepted the credential."""
    return {"conformance_requests": requests, "conformance_reach": json.dumps(reach),
            "conformance_credential": json.dumps(credential)}


def run_identity(*, settings: Settings, catalog: Catalog, spec: Any) -> dict[str, Any]:
    """What the JSON report says of the run it comes from (``run``): `conformance merge` (merge.py) takes only
    shards of one run."""
    from .. import DISTRIBUTION, __version__

    text = json.dumps(spec.raw, sort_keys=True, separators=(",", ":"), default=str)
    return {"tool": f"{DISTRIBUTION} {__version__}", "spec": spec.location,
            "spec_digest": "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "profile": catalog.profile, "catalog": catalog.origin, "seed": settings.seed,
            "max_examples": settings.max_examples, "read_only": settings.read_only,
            "min_reach": settings.min_reach, "reach_exclude": list(settings.reach_exclude),
            "operations": [operation.label for operation in spec.operations],
            "unusable": [[label, why] for label, why in spec.invalid]}


@dataclass
class RunRecord:
    """The verdict records of a run as they come (serial runs and xdist workers alike), the workers' views, and
    at the end the report (``finish``), the gate (``gate``) and the files written (``write``)."""

    started: float = field(default_factory=time.time)
    records: list[dict[str, Any]] = field(default_factory=list)  # as the items reported them
    worker_requests: int = 0
    worker_reach: list[dict[str, Any]] = field(default_factory=list)
    worker_credentials: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)  # every (rule, operation), reported or not
    report: dict[str, Any] | None = None
    written: list[tuple[str, Path]] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        self.records.append(record)

    def merge(self, output: Mapping[str, Any]) -> None:
        """Take in what one xdist worker sent (``worker_output``; a worker that crashed may have sent nothing)."""
        self.worker_requests += int(output.get("conformance_requests", 0))
        reach = output.get("conformance_reach")
        if reach:
            self.worker_reach.append(json.loads(reach))
        credential = output.get("conformance_credential")
        if credential:
            self.worker_credentials.append(json.loads(credential))

    def finish(self, *, settings: Settings, catalog: Catalog, spec: Any, baseline: Baseline | None,
               applicability: Callable[[Rule, Any], tuple[Rule | None, str]], requests: int,
               reach: dict[str, Any], credential: dict[str, Any], operations: list[Any] | None = None,
               shard: tuple[int, int] | None = None) -> dict[str, Any]:
        """The report (json_report's model) of the whole run: the records reported, plus a cell for every
        (rule, operation) no item reported: not applicable, or not run. ``requests``, ``reach`` and
        ``credential`` are this process's own view; ``applicability`` is the runner's. A shard of a run
        (``shard`` = (K, N)) reports its ``operations`` only, and what `conformance merge` needs (merge.py)."""
        from .json_report import build_report

        operations = list(spec.operations if operations is None else operations)
        records = list(self.records)
        seen = {(r["rule"], r["operation"]) for r in records}
        for operation in operations:  # the cells no item reported: not applicable, or not run
            for rule in catalog.rules:
                if (rule.id, operation.label) in seen:
                    continue
                resolved, reason = applicability(rule, operation)
                status = "not-applicable" if resolved is None else "skipped"
                records.append({"rule": rule.id, "operation": operation.label, "status": status,
                                "severity": rule.severity, "violations": [], "violation_count": 0, "judged": 0,
                                "reason": reason or NOT_RUN_REASON,
                                "not_run": resolved is not None})
        s = settings
        meta = {
            "requests": requests + self.worker_requests,
            "duration_s": round(time.time() - self.started, 3),
            "target": s.url,
            "spec": spec.location,
            "profile": catalog.profile,
            "catalog": catalog.origin,
            "seed": s.seed,
            "operations": len(spec.operations),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "reach": self.reach_summary(reach, [operation.label for operation in operations]),
            "credential": self.credential_summary(credential),
        }
        if shard is not None:  # what merge.py needs: the share, and what this shard saw of the others' operations
            mine = {operation.label for operation in operations}
            views = [reach, *self.worker_reach]
            meta["shard"] = {"index": shard[0], "count": shard[1], "operations": [op.label for op in operations],
                             "reach_elsewhere": self.reach_summary(reach, sorted(
                                 {label for view in views for label in view} - mine))["by_operation"]}
        failing = {(r["rule"], r["operation"]) for r in records if r["status"] == "failed"}
        if baseline is not None:
            meta["baseline"] = {
                "file": str(s.baseline),
                "accepted": sum(1 for r in records if r.get("baselined")),
                "fixed": [e.as_dict() for e in baseline.fixed(failing)],
                "expired": [e.as_dict() for e in baseline.expired()],
                "unexplained": [e.as_dict() for e in baseline.unexplained()],
            }
        self.cells = records
        self.report = build_report(catalog=catalog, records=records, meta=meta)
        gate = reach_gate(self.report["summary"]["reach"], None if shard else s.min_reach, s.reach_exclude)
        if gate is not None:  # (a shard reaches its share only: `conformance merge` gates the whole)
            self.report["summary"]["reach"]["gate"] = gate
            if not gate["passed"]:
                self.report["summary"]["verdict"] = "failed"
        self.report["run"] = run_identity(settings=s, catalog=catalog, spec=spec)
        return self.report

    def gate(self, status: int) -> int:
        """The run's exit status, given the one the tests gave: a run passes only if a rule judged the API itself
        (rules judged on the spec alone do not count); a gate that could check nothing does not pass."""
        judged = [r for r in self.cells if r["status"] in ("passed", "failed") and not r.get("static")]
        ran = [r for r in self.cells if r["status"] != "not-applicable" and not r.get("not_run") and not r.get("static")]
        if ran and not judged and status == 0:
            status = FAILED_STATUS
        gate = (self.report or {}).get("summary", {}).get("reach", {}).get("gate")
        if gate is not None and not gate["passed"] and status == 0:
            status = FAILED_STATUS  # too few operations reached to trust the rules' verdicts
        shard = (self.report or {}).get("summary", {}).get("shard")
        if shard is not None:  # the merge takes only a shard that finished (0 or 1) and says which did not
            shard["exit_status"] = int(status)
        return status

    def write(self, *, settings: Settings, baseline: Baseline | None, spec_location: str) -> None:
        """Write the baseline (when updating it) and the reports the settings ask for; ``written`` says where."""
        from .html_report import write_html
        from .json_report import write_json
        from .sarif_report import spec_uri_for, write_sarif

        assert self.report is not None, "finish() before write()"
        s = settings
        failing = {(r["rule"], r["operation"]) for r in self.cells if r["status"] == "failed"}
        advisory = {(r["rule"], r["operation"]) for r in self.cells if r.get("advisory")}
        if s.update_baseline and baseline is not None:  # an advisory failure needs no accepting
            baseline.updated({key for key in failing if key not in advisory}).write()
            self.written.append(("Baseline", s.baseline))
        if s.json:
            write_json(self.report, s.json)
            self.written.append(("JSON", s.json))
        if s.html:
            write_html(self.report, s.html)
            self.written.append(("HTML", s.html))
        if s.sarif:
            write_sarif(self.report, s.sarif, spec_uri_for(spec_location))
            self.written.append(("SARIF", s.sarif))

    def credential_summary(self, own: dict[str, Any]) -> dict[str, Any]:
        """Whether the API accepted the valid credential (under xdist: refused by any worker is refused)."""
        views = self.worker_credentials or [own]
        for status in ("refused", "accepted"):
            for view in views:
                if view["status"] == status:
                    return view
        return views[0]

    def reach_summary(self, own: dict[str, Any], operations: list[str]) -> dict[str, Any]:
        """How many operations a valid request reached (a 2xx), and per operation the path values and their
        sources; under xdist the workers' views are merged (reached anywhere is reached)."""
        merged: dict[str, dict[str, Any]] = {}
        for view in [own, *self.worker_reach]:
            for label, entry in view.items():
                known = merged.get(label)
                if known is None:
                    merged[label] = dict(entry)
                    continue
                statuses = dict(known["statuses"])
                for status, count in entry["statuses"].items():
                    statuses[status] = statuses.get(status, 0) + count
                if entry["reached"] and not known["reached"]:
                    known = dict(entry)
                known["statuses"] = statuses
                merged[label] = known
        by_operation = {}
        for label in operations:
            entry = merged.get(label) or {"reached": False, "statuses": {}, "values": [],
                                          "hint": "no request was sent to it in this run"}
            if entry["reached"]:
                entry["hint"] = ""
            by_operation[label] = entry
        return {"reached": sum(1 for e in by_operation.values() if e["reached"]), "operations": len(by_operation),
                "by_operation": by_operation}
