"""The JUnit XML of a merged run (`conformance merge --junitxml`): one test case per test item, named as pytest's
own --junitxml names the plugin's items (``conformance::<operation>::<rule id>`` gives classname
``conformance.<operation>`` and name ``<rule id>``), in collection order (the spec's operations, the catalog's
rules), with the same outcomes: a failure, a skip (``pytest.skip``), an accepted or advisory failure
(``pytest.xfail``), or a pass. Cells that were no test item (not applicable, not run) are left out, as pytest
leaves them out."""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .sources import document_titles, source_label

BODY_SHOWN = 200


def _failure_text(rule: dict[str, Any], record: dict[str, Any], titles: dict[str, str]) -> str:
    lines = [f"{rule['id']} ({rule['severity']}): {rule['title']}", f"Operation: {record['operation']}",
             f"Source:    {source_label(rule.get('source') or {}, titles, quote=True)}"]
    if record.get("error"):
        return "\n".join([*lines, "", record["reason"]])
    for number, violation in enumerate(record["violations"], 1):
        lines += ["", f"{number}. {violation['message']}"]
        response = violation.get("response")
        if response:
            kind = (response.get("headers") or {}).get("content-type", "")
            lines.append(f"   Received: {response['status']} {kind}".rstrip())
            if response.get("body"):
                lines.append(f"   Body:     {response['body'][:BODY_SHOWN]}")
        if violation.get("curl"):
            needs = " and ".join(violation.get("curl_env") or [])
            lines.append(f"   Reproduce with{f' (set {needs} first)' if needs else ''}: {violation['curl']}")
    extra = int(record.get("violation_count", 0)) - len(record["violations"])
    if extra > 0:
        lines.append(f"\n... and {extra} more violation(s) of this rule on this operation.")
    return "\n".join(lines)


def _case(suite: ET.Element, rule: dict[str, Any], record: dict[str, Any], titles: dict[str, str]) -> str:
    """The test case of one item, and its outcome: passed | failed | skipped."""
    case = ET.SubElement(suite, "testcase", classname=f"conformance.{record['operation']}", name=rule["id"],
                         time="0.000")
    label = f"{rule['id']} on {record['operation']}"
    if record["status"] == "failed" and record.get("advisory"):
        ET.SubElement(case, "skipped", type="pytest.xfail",
                      message=f"{label}: advisory: the document's example").text = label
        return "skipped"
    if record["status"] == "failed" and record.get("baselined"):
        message = f"{label}: accepted by the baseline ({record.get('accepted_because', '')})"
        ET.SubElement(case, "skipped", type="pytest.xfail", message=message).text = message
        return "skipped"
    if record["status"] == "failed" or record.get("error"):
        text = _failure_text(rule, record, titles)
        ET.SubElement(case, "failure", message=text.splitlines()[0]).text = text
        return "failed"
    if record["status"] in ("skipped", "not-applicable"):
        message = f"{label}: {record['reason']}"
        ET.SubElement(case, "skipped", type="pytest.skip", message=message).text = message
        return "skipped"
    return "passed"


def build_junit(report: dict[str, Any], records: list[dict[str, Any]], *, started: float) -> ET.Element:
    cells = {(r["rule"], r["operation"]): r for r in records}
    titles = document_titles(report.get("documents", []))
    root = ET.Element("testsuites", name="conformance merge")
    suite = ET.SubElement(root, "testsuite", name="pytest")
    outcomes = {"passed": 0, "failed": 0, "skipped": 0}
    for label in report["run"]["operations"]:
        for rule in report["rules"]:
            record = cells.get((rule["id"], label))
            if record is None or "not_run" in record:
                continue  # no test item: not applicable to the operation, or not run
            outcomes[_case(suite, rule, record, titles)] += 1
    for label, why in report["run"].get("unusable") or []:
        case = ET.SubElement(suite, "testcase", classname="conformance", name=f"unusable {label}", time="0.000")
        text = f"This operation cannot be tested: {why}"
        ET.SubElement(case, "failure", message=text).text = text
        outcomes["failed"] += 1
    suite.attrib.update(errors="0", failures=str(outcomes["failed"]), skipped=str(outcomes["skipped"]),
                        tests=str(sum(outcomes.values())), time=f"{report['summary'].get('duration_s', 0):.3f}",
                        timestamp=datetime.fromtimestamp(started, timezone.utc).isoformat(),
                        hostname=socket.gethostname())
    return root


def write_junit(report: dict[str, Any], records: list[dict[str, Any]], path: Path, *,
                started: float | None = None) -> None:
    root = build_junit(report, records, started=time.time() if started is None else started)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode"), encoding="utf-8")
