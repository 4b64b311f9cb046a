"""`conformance merge`: the JSON reports of one run's shards (``--conformance-shard=K/N``) made one report, with
one verdict and one exit status, as if the run had not been split.

It fails closed: a report that is missing, unreadable, not a shard's, given twice, or of another run (another
spec, profile, catalog, seed, tool version or number of shards), and a shard that did not finish, are each one
plain sentence (a UsageError), never a partial verdict. Merged, not summed blindly: every operation's verdicts
come from the one shard that judged it; an operation reached by any shard is reached; the requests add; a
credential refused in one shard and accepted in another is said so. The baseline given to the merge is applied
to the whole (the shards' own are not read), and so is the shards' --conformance-min-reach. Nothing here knows
pytest nor the engine.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .json_report import FORMAT, build_report
from .reach_gate import reach_gate

if TYPE_CHECKING:
    from ..baseline import Baseline

# What makes two shards parts of one run, and how a sentence names it.
IDENTITY = (("tool", "the tool version"), ("spec_digest", "the spec"), ("profile", "the profile"),
            ("catalog", "the catalog"), ("seed", "the seed"), ("max_examples", "--conformance-max-examples"),
            ("read_only", "--conformance-read-only"), ("min_reach", "--conformance-min-reach"),
            ("reach_exclude", "--conformance-reach-exclude"))
EXIT_MEANING = {2: "interrupted", 3: "an internal error", 4: "a usage error", 5: "no tests collected"}


@dataclass
class Shard:
    path: Path
    report: dict[str, Any]

    @property
    def info(self) -> dict[str, Any]:
        return self.report["summary"]["shard"]

    @property
    def name(self) -> str:
        return f"{self.info['index']}/{self.info['count']}"


def load_shard(path: Path) -> Shard:
    """One shard's JSON report, or one sentence saying why it cannot be merged."""
    if not path.exists():
        raise UsageError(f"The shard report {path} does not exist: did that shard's job run and upload it?")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"The shard report {path} cannot be read ({getattr(exc, 'strerror', None) or exc}).") from None
    except ValueError:
        raise UsageError(f"The shard report {path} is not valid JSON: it may have been cut short; rerun that "
                         "shard.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("summary"), dict):
        raise UsageError(f"The file {path} is not a conformance JSON report ({FORMAT}).")
    if "shard" not in data["summary"] or "run" not in data:
        raise UsageError(f"The report {path} is of a whole run, not of a shard: run each shard with "
                         "--conformance-shard=K/N and merge their reports.")
    return Shard(path, data)


def check_one_run(shards: list[Shard]) -> list[Shard]:
    """The shards, in order, when they are all the shards of one run and each finished; else one sentence."""
    first = shards[0]
    for shard in shards[1:]:
        if shard.info["count"] != first.info["count"]:
            raise UsageError(f"{first.path} and {shard.path} are reports of different runs: split into "
                             f"{first.info['count']} shards in one, {shard.info['count']} in the other.")
        for key, name in IDENTITY:
            mine, theirs = first.report["run"].get(key), shard.report["run"].get(key)
            if mine != theirs:
                if key == "spec_digest":
                    mine = f"{first.report['run']['spec']} ({str(mine)[:15]}...)"
                    theirs = f"{shard.report['run']['spec']} ({str(theirs)[:15]}...)"
                raise UsageError(f"{first.path} and {shard.path} are reports of different runs: {name} is "
                                 f"{mine} in one and {theirs} in the other.")
        if [r["id"] for r in shard.report["rules"]] != [r["id"] for r in first.report["rules"]]:
            raise UsageError(f"{first.path} and {shard.path} are reports of different runs: their catalogs have "
                             "different rules.")
    count = first.info["count"]
    by_index: dict[int, Shard] = {}
    for shard in shards:
        known = by_index.get(shard.info["index"])
        if known is not None:
            raise UsageError(f"Shard {shard.name} is given twice: {known.path} and {shard.path}.")
        by_index[shard.info["index"]] = shard
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in by_index]
    if missing:
        which = f"Shard {missing[0]} is" if len(missing) == 1 else f"Shards {', '.join(missing)} are"
        raise UsageError(f"{which} missing: the run was split into {count} shards and only "
                         f"{len(by_index)} reports were given; merge all of them (a shard whose job failed "
                         "wrote none: rerun it).")
    for shard in by_index.values():
        status = shard.info.get("exit_status")
        if status not in (0, 1):
            meaning = EXIT_MEANING.get(status, "an unknown state") if isinstance(status, int) else "no exit status"
            raise UsageError(f"Shard {shard.name} ({shard.path}) did not finish (exit status {status}: {meaning}); "
                             "rerun it.")
    ordered = [by_index[k] for k in range(1, count + 1)]
    owner: dict[str, Shard] = {}
    for shard in ordered:
        for label in shard.info["operations"]:
            if label in owner:
                raise UsageError(f"The operation {label} is in shard {owner[label].name} and in shard {shard.name}: "
                                 "these are not the shares of one run.")
            owner[label] = shard
    lost = [label for label in first.report["run"]["operations"] if label not in owner]
    if lost:
        raise UsageError(f"The operation {lost[0]} is in no shard's report ({len(lost)} such): these are not the "
                         "shares of one run.")
    return ordered


@dataclass(frozen=True)
class ReportedRule:
    """A catalog rule as the JSON report carries it: what build_report reads of a rule."""

    id: str
    category: str
    severity: str
    basis: str
    advisory: bool
    title: str
    source: dict[str, Any]


@dataclass
class ReportedCatalog:
    """The catalog as the JSON report carries it: what build_report reads of a catalog."""

    rules: list[ReportedRule]
    documents: list[dict[str, Any]]
    unobservable: list[dict[str, Any]] = field(default_factory=list)
    normative: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, report: dict[str, Any]) -> ReportedCatalog:
        rules = [ReportedRule(r["id"], r["category"], r["severity"], r.get("basis", ""), bool(r.get("example")),
                              r["title"], dict(r.get("source") or {})) for r in report["rules"]]
        normative = [{"document": row["document"], "section": row["section"], "quote": row["quote"],
                      "severity": row.get("severity", ""), "trigger": row.get("trigger", ""),
                      "rules": [r["id"] for r in row["rules"]] + list(row.get("switched_off", []))}
                     for row in (report.get("coverage") or {}).get("rows", [])]
        return cls(rules, list(report.get("documents", [])), list(report.get("unobservable", [])), normative)


def shard_records(shard: Shard) -> list[dict[str, Any]]:
    """The verdict records of the operations this shard judged, rebuilt from its report."""
    mine = set(shard.info["operations"])
    records = []
    for rule in shard.report["rules"]:
        for label, entry in rule["operations"].items():
            if label not in mine:
                continue
            record = {"rule": rule["id"], "operation": label, "status": entry["status"],
                      "severity": rule["severity"], "reason": entry.get("reason", ""),
                      "violations": [v for v in rule["violations"] if v.get("operation") == label],
                      "violation_count": entry.get("violation_count", 0)}
            for flag in ("static", "error", "advisory", "baselined"):
                if entry.get(flag):
                    record[flag] = True
            if entry.get("baselined"):
                record["accepted_because"] = entry.get("accepted_because", "")
            if entry.get("collected") is False:
                record["not_run"] = bool(entry.get("not_run"))
            records.append(record)
    return records


def apply_baseline(records: list[dict[str, Any]], baseline: Baseline | None, update: bool) -> None:
    """The merge's baseline decides what is accepted, as the plugin's does (an advisory failure needs none)."""
    for record in records:
        record.pop("baselined", None)
        record.pop("accepted_because", None)
        if record["status"] != "failed" or record.get("advisory"):
            continue
        entry = baseline.accepts(record["rule"], record["operation"]) if baseline is not None else None
        if entry is not None or update:
            record["baselined"] = True
            record["accepted_because"] = entry.reason if entry else "written to the baseline by this run"


def merged_reach(shards: list[Shard], labels: list[str]) -> dict[str, Any]:
    """Reached in any shard is reached; the answers' counts add. Each operation keeps its own shard's entry (its
    path values and hint) unless only another shard reached it."""
    by_operation: dict[str, Any] = {}
    for label in labels:
        entries = []
        for shard in shards:
            own = shard.report["summary"]["reach"]["by_operation"].get(label) if label in shard.info["operations"] \
                else shard.info.get("reach_elsewhere", {}).get(label)
            if own is not None:
                entries.append((label in shard.info["operations"], own))
        entries.sort(key=lambda pair: not pair[0])  # the owner's first
        entry = dict(entries[0][1]) if entries else {"reached": False, "statuses": {}, "values": [],
                                                     "hint": "no request was sent to it in this run"}
        if not entry["reached"]:
            entry = dict(next((e for _, e in entries if e["reached"]), entry))
        statuses: dict[str, int] = {}
        for _, other in entries:
            for status, count in other.get("statuses", {}).items():
                statuses[status] = statuses.get(status, 0) + int(count)
        entry["statuses"] = dict(sorted(statuses.items(), key=lambda kv: (not kv[0].isdigit(), kv[0].zfill(3))))
        if entry["reached"]:
            entry["hint"] = ""
        by_operation[label] = entry
    return {"reached": sum(1 for e in by_operation.values() if e["reached"]), "operations": len(by_operation),
            "by_operation": by_operation}


def merged_credential(shards: list[Shard]) -> dict[str, Any]:
    """Refused anywhere is refused; refused in one shard and accepted in another is said, with which."""
    views = [(shard.name, shard.report["summary"].get("credential") or {"status": "unchecked"}) for shard in shards]
    refused = [(name, view) for name, view in views if view.get("status") == "refused"]
    accepted = [name for name, view in views if view.get("status") == "accepted"]
    if refused and accepted:
        view = refused[0][1]
        where = ", ".join(n for n, _ in refused)
        return {**view, "mixed": {n: v.get("status") for n, v in views},
                "message": f"{view.get('message', 'the credential was refused')}, in shard{'s' if len(refused) > 1 else ''} "
                           f"{where}; shard{'s' if len(accepted) > 1 else ''} {', '.join(accepted)} had it accepted: "
                           "the API answered the same credential differently within one run"}
    for status in ("refused", "accepted"):
        for _, view in views:
            if view.get("status") == status:
                return dict(view)
    return dict(views[0][1])


def merge_reports(shards: list[Shard], *, baseline: Baseline | None = None,
                  update_baseline: bool = False) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report of the whole run and its cells (verdict records), from the checked shards (``check_one_run``)."""
    first = shards[0].report
    records = [record for shard in shards for record in shard_records(shard)]
    apply_baseline(records, baseline, update_baseline)
    summaries = [shard.report["summary"] for shard in shards]
    labels = first["run"]["operations"]
    targets = list(dict.fromkeys(str(s.get("target", "")) for s in summaries))
    meta: dict[str, Any] = {
        "requests": sum(int(s.get("requests", 0)) for s in summaries),
        "duration_s": max(float(s.get("duration_s", 0)) for s in summaries),  # the shards ran side by side
        "target": ", ".join(targets),
        "spec": first["summary"]["spec"],
        "profile": first["summary"]["profile"],
        "catalog": first["summary"].get("catalog", ""),
        "seed": first["summary"]["seed"],
        "operations": len(labels),
        "started_at": min(str(s.get("started_at", "")) for s in summaries),
        "reach": merged_reach(shards, labels),
        "credential": merged_credential(shards),
        "shards": [{"index": shard.info["index"], "file": str(shard.path), "operations": len(shard.info["operations"]),
                    "requests": shard.report["summary"].get("requests", 0),
                    "duration_s": shard.report["summary"].get("duration_s", 0),
                    "exit_status": shard.info.get("exit_status")} for shard in shards],
    }
    if baseline is not None:
        failing = {(r["rule"], r["operation"]) for r in records if r["status"] == "failed"}
        meta["baseline"] = {"file": str(baseline.path), "accepted": sum(1 for r in records if r.get("baselined")),
                            "fixed": [e.as_dict() for e in baseline.fixed(failing)],
                            "expired": [e.as_dict() for e in baseline.expired()]}
    report = build_report(catalog=ReportedCatalog.of(first), records=records, meta=meta)  # type: ignore[arg-type]
    report["run"] = dict(first["run"])
    run = report["run"]  # the shards' --conformance-min-reach judges the whole (a shard reaches its share only)
    gate = reach_gate(report["summary"]["reach"], run.get("min_reach"), tuple(run.get("reach_exclude") or ()))
    if gate is not None:
        report["summary"]["reach"]["gate"] = gate
        if not gate["passed"]:
            report["summary"]["verdict"] = "failed"
    return report, records


def merge_files(paths: list[Path], *, json_path: Path | None = None, html: Path | None = None,
                sarif: Path | None = None, junitxml: Path | None = None, baseline_path: Path | None = None,
                update_baseline: bool = False) -> tuple[int, list[str]]:
    """`conformance merge`: the exit status of the whole run (0 passed, 1 failed) and the lines to print; the
    reports asked for are written. Raises UsageError with one sentence when the shards cannot be merged."""
    from ..baseline import Baseline
    from .html_report import write_html
    from .json_report import write_json
    from .junit_report import write_junit
    from .run import RunRecord
    from .sarif_report import spec_uri_for, write_sarif
    from .terminal import summary_lines

    if not paths:
        raise UsageError("conformance merge needs the shards' JSON reports, e.g. conformance merge reports/*.json.")
    if update_baseline and baseline_path is None:
        raise UsageError("--update-baseline needs --baseline=FILE to know where to write.")
    shards = check_one_run([load_shard(Path(path)) for path in paths])
    baseline = Baseline.load(baseline_path, missing_ok=update_baseline) if baseline_path else None
    report, records = merge_reports(shards, baseline=baseline, update_baseline=update_baseline)
    record = RunRecord(records=records, cells=records, report=report)
    unusable = report["run"].get("unusable") or []
    status = 0 if report["summary"]["verdict"] == "passed" and not unusable else 1
    outputs = [(kind, path) for kind, path in (("JSON", json_path), ("HTML", html), ("SARIF", sarif),
                                               ("JUnit XML", junitxml)) if path is not None]
    try:
        if update_baseline and baseline is not None:
            failing = {(r["rule"], r["operation"]) for r in records if r["status"] == "failed" and not r.get("advisory")}
            baseline.updated(failing).write()
            record.written.append(("Baseline", baseline.path))
        for kind, path in outputs:
            if kind == "JSON":
                write_json(report, path)
            elif kind == "HTML":
                write_html(report, path)
            elif kind == "SARIF":
                write_sarif(report, path, spec_uri_for(report["run"]["spec"]))
            else:
                write_junit(report, records, path, started=time.time() - float(report["summary"]["duration_s"]))
            record.written.append((kind, path))
    except OSError as exc:
        raise UsageError(f"Cannot write {exc.filename or 'a report'} ({exc.strerror or exc}): choose a writable "
                         "path.") from None
    run = report["run"]
    lines = [(f"conformance merge: {len(shards)} shards of one run: profile {run['profile']}, spec {run['spec']}, "
              f"seed {run['seed']}")]
    for shard in report["summary"]["shards"]:
        lines.append(f"  shard {shard['index']}/{len(shards)}: {shard['operations']} operations, "
                     f"{shard['requests']} requests in {float(shard['duration_s']):.1f} s ({shard['file']})")
    lines += [f"  ERROR unusable {label}: This operation cannot be tested: {why}" for label, why in unusable]
    lines += [text for text, _ in summary_lines(record)]
    return status, lines
