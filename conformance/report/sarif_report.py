"""The SARIF 2.1.0 report: a view of the JSON report dict (json_report.py) for code-scanning tools.

One run; one ``tool.driver.rules[]`` entry per catalog rule; one result per failed (rule, operation)
pair, located in the OpenAPI spec file at the line where the operation's path is declared. A rule only the
document's example supports is advisory (examples are not requirements): its level is "note".
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from .sources import source_label

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"must": "error", "should": "warning"}
ADVISORY_LEVEL = "note"


def spec_uri_for(location: str, cwd: Path | None = None) -> str:
    """How a spec location reads in SARIF: a URL as is, a file relative to cwd where it lies below it."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", location):
        return location
    path = Path(location)
    base = Path(cwd or os.getcwd()).resolve()
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.resolve().as_uri() if path.is_absolute() else path.as_posix()


def _spec_text(report: dict[str, Any], spec_uri: str) -> str | None:
    candidates = [spec_uri, str(report.get("summary", {}).get("spec") or "")]
    for candidate in candidates:
        if not candidate or re.match(r"^https?://", candidate):
            continue
        path = Path(candidate[len("file://"):] if candidate.startswith("file://") else candidate)
        try:
            if path.is_file():
                return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return None


def operation_line(text: str | None, operation: str) -> int:
    """Best effort: the 1-based line declaring the operation's path (then its method) in a JSON or YAML spec."""
    if not text:
        return 1
    method, _, path = operation.partition(" ")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"""^\s*["']?paths["']?\s*:""", line)), 0)
    key = re.compile(r"""^\s*["']?""" + re.escape(path) + r"""["']?\s*:""")
    verb = re.compile(r"""^\s*["']?""" + re.escape(method.lower()) + r"""["']?\s*:""")
    for number in range(start, len(lines)):
        line = lines[number]
        if not key.match(line):
            continue
        indent, child = _indent(line), None
        for below in range(number + 1, min(len(lines), number + 2000)):
            stripped = lines[below].strip()
            if not stripped or stripped.startswith(("}", "]", "#")):
                continue
            if _indent(lines[below]) <= indent:
                break  # the next key at the path's level
            child = _indent(lines[below]) if child is None else child
            if _indent(lines[below]) == child and verb.match(lines[below]):
                return below + 1
        return number + 1
    return 1


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _rule_name(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id) if part)


def _descriptor(rule: dict[str, Any]) -> dict[str, Any]:
    source = rule.get("source", {})
    descriptor: dict[str, Any] = {
        "id": rule["id"],
        "name": _rule_name(rule["id"]),
        "shortDescription": {"text": rule["title"]},
        "fullDescription": {"text": f"{rule['title'].rstrip('.')}. Source: {source_label(source, quote=True)}"},
        "defaultConfiguration": {"level": ADVISORY_LEVEL if rule.get("example") else
                                 LEVELS.get(rule.get("severity"), "warning")},
        "properties": {"category": rule.get("category"), "severity": rule.get("severity"),
                       "basis": rule.get("basis", "sentence"), "example": bool(rule.get("example")),
                       "source": dict(source),
                       "tags": list(dict.fromkeys(t for t in (rule.get("category"), rule.get("severity")) if t))},
    }
    document = str(source.get("document", ""))
    if document.startswith(("http://", "https://")):
        descriptor["helpUri"] = document
    return descriptor


def _result(rule: dict[str, Any], index: int, operation: str, entry: dict[str, Any], spec_uri: str,
            spec_text: str | None) -> dict[str, Any]:
    violations = [v for v in rule.get("violations", []) if v.get("operation") == operation]
    message = violations[0]["message"] if violations else (entry.get("reason") or f"{rule['title']}: failed")
    more = len(violations) - 1
    text = f"{operation}: {message}" + (f" (and {more} more violation{'s' if more > 1 else ''})" if more > 0 else "")
    baselined = bool(entry.get("baselined"))
    advisory = bool(entry.get("advisory"))
    result: dict[str, Any] = {
        "ruleId": rule["id"],
        "ruleIndex": index,
        "level": ADVISORY_LEVEL if advisory else LEVELS.get(rule.get("severity"), "warning"),
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": spec_uri},
                                 "region": {"startLine": operation_line(spec_text, operation)}},
            "logicalLocations": [{"name": operation, "kind": "function"}],
        }],
        "partialFingerprints": {"conformanceOperation/v1": f"{rule['id']}|{operation}"},
        "baselineState": "unchanged" if baselined else "new",
        "properties": {"operation": operation, "critical": any(v.get("critical") for v in violations),
                       "violationCount": entry.get("violation_count", len(violations)),
                       "curl": [v["curl"] for v in violations if v.get("curl")][:3]},
    }
    if baselined:
        reason = entry.get("accepted_because") or "listed in the conformance baseline"
        result["suppressions"] = [{"kind": "external",
                                   "justification": f"accepted by the baseline: {reason}"}]
    if entry.get("baseline_expired"):
        result["properties"]["baselineExpired"] = entry["baseline_expired"]
    if advisory:
        result["properties"]["advisory"] = "the document's example: it informs, never fails the run"
    return result


def _fixed(rule_ids: dict[str, int], entry: dict[str, Any], spec_uri: str, spec_text: str | None) -> dict[str, Any]:
    """A baseline entry whose violation no longer occurs: SARIF's "absent" (in the baseline, not in this run)."""
    operation = entry["operation"]
    return {
        "ruleId": entry["rule"], **({"ruleIndex": rule_ids[entry["rule"]]} if entry["rule"] in rule_ids else {}),
        "kind": "pass", "level": "none", "baselineState": "absent",
        "message": {"text": f"{operation}: fixed; the baseline still accepts it ({entry.get('reason', '')}), "
                            "remove the entry"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": spec_uri},
                                            "region": {"startLine": operation_line(spec_text, operation)}},
                       "logicalLocations": [{"name": operation, "kind": "function"}]}],
        "partialFingerprints": {"conformanceOperation/v1": f"{entry['rule']}|{operation}"},
    }


def _version() -> str:
    from .. import __version__
    return __version__


def build_sarif(report: dict[str, Any], *, spec_uri: str | None = None) -> dict[str, Any]:
    summary = report.get("summary", {})
    spec_uri = spec_uri or spec_uri_for(str(summary.get("spec") or "openapi"))
    spec_text = _spec_text(report, spec_uri)
    rules = report.get("rules", [])
    results = [
        _result(rule, index, operation, entry, spec_uri, spec_text)
        for index, rule in enumerate(rules)
        for operation, entry in rule.get("operations", {}).items()
        if entry.get("status") == "failed"
    ]
    baseline = summary.get("baseline") or {}
    rule_ids = {rule["id"]: index for index, rule in enumerate(rules)}
    results += [_fixed(rule_ids, entry, spec_uri, spec_text) for entry in baseline.get("fixed", [])]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "conformance", "version": _version(),
                            "rules": [_descriptor(rule) for rule in rules]}},
        "automationDetails": {"id": f"conformance/{summary.get('profile', 'default')}/"},
        "columnKind": "utf16CodeUnits",
        "results": results,
        "properties": {key: summary[key] for key in ("target", "profile", "catalog", "seed", "requests",
                                                      "duration_s", "started_at", "verdict", "passed", "failed",
                                                      "accepted", "advisory", "skipped", "credential", "baseline")
                       if key in summary},
    }
    if summary.get("reach"):
        run["properties"]["reach"] = {key: summary["reach"].get(key) for key in ("reached", "operations")}
    if report.get("unobservable"):
        run["properties"]["unobservable"] = report["unobservable"]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def write_sarif(report: dict[str, Any], path: Path, spec_uri: str | None = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build_sarif(report, spec_uri=spec_uri), indent=2) + "\n", encoding="utf-8")
