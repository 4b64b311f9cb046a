"""Advisory rules in the reports: a rule only a value of the document's example supports (basis example-value,
Rule.advisory) informs and never binds. build_report counts its failures as advisory (not failed, not new failures, not in the verdict), the HTML
shows them muted (neither red nor the baseline's amber), SARIF as notes; every rule carries its basis."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import jsonschema
import pytest

from conformance.run import load_catalog
from conformance.report.html_report import render_html
from conformance.report.json_report import build_report
from conformance.report.sarif_report import build_sarif

DATA = Path(__file__).resolve().parent.parent / "data"
OPS = ("GET /api/v1/projects", "POST /api/v1/projects", "GET /api/v1/health")
EXAMPLE, NORMATIVE = "cors.max-age", "cors.vary-origin"
STRUCTURE = "errors.envelope-example"  # the structure of the example that defines FeatBit's error format: it binds
META = {"requests": 40, "duration_s": 1.0, "target": "http://127.0.0.1:9", "spec": "openapi.json", "profile": "featbit",
        "catalog": "featbit.yaml", "seed": 1, "operations": len(OPS), "started_at": "2025-11-03T10:00:00Z"}


def _records(failing: dict[str, set[str]], *, baselined: frozenset[tuple[str, str]] = frozenset()) -> list[dict]:
    """Verdict records as the plugin writes them: the failing (rule, operation) pairs failed, the others passed;
    a failure of an example rule carries advisory: true (RuleItem.runtest), a baselined one baselined: true."""
    catalog = load_catalog("featbit")
    records = []
    for rule in catalog.rules:
        for op in OPS:
            record = {"rule": rule.id, "operation": op, "status": "passed", "severity": rule.severity, "reason": "",
                      "violations": [], "violation_count": 0, "judged": 1}
            if op in failing.get(rule.id, ()):
                record.update(status="failed", violation_count=1, violations=[
                    {"operation": op, "message": f"{rule.id} broken on {op}", "critical": False}])
                if rule.example:
                    record["advisory"] = True
                elif (rule.id, op) in baselined:
                    record.update(baselined=True, accepted_because="known")
            records.append(record)
    return records


def _report(failing, **kwargs) -> dict:
    return build_report(catalog=load_catalog("featbit"), records=_records(failing, **kwargs), meta=dict(META))


def _rule(report: dict, rule_id: str) -> dict:
    return next(r for r in report["rules"] if r["id"] == rule_id)


def test_the_rules_carry_their_basis():
    report = _report({})
    assert _rule(report, EXAMPLE)["basis"] == "example-value" and _rule(report, EXAMPLE)["example"] is True
    assert _rule(report, NORMATIVE)["basis"] == "sentence" and _rule(report, NORMATIVE)["example"] is False
    assert _rule(report, STRUCTURE)["basis"] == "example-structure" and _rule(report, STRUCTURE)["example"] is False


def test_a_failed_example_structure_rule_fails_the_report():
    report = _report({STRUCTURE: {OPS[0]}})
    assert _rule(report, STRUCTURE)["status"] == "failed"
    assert (report["summary"]["verdict"], report["summary"]["failed"], report["summary"]["advisory"]) == \
        ("failed", 1, 0)


def test_an_example_rule_that_fails_is_advisory_and_passes_the_run():
    report = _report({EXAMPLE: set(OPS[:2])})
    rule = _rule(report, EXAMPLE)
    assert rule["status"] == "advisory"
    assert rule["operations"][OPS[0]] == {"status": "failed", "reason": "", "violation_count": 1, "advisory": True}
    assert "advisory" not in rule["operations"][OPS[2]]
    summary = report["summary"]
    assert (summary["verdict"], summary["failed"], summary["advisory"], summary["new_failures"]) == ("passed", 0, 1, 0)
    assert rule["violations"]  # the evidence is kept: advisory informs


def test_advisory_beside_a_real_failure_and_a_baselined_one():
    report = _report({EXAMPLE: set(OPS), NORMATIVE: {OPS[0]}, "errors.envelope": {OPS[1]}},
                     baselined=frozenset({("errors.envelope", OPS[1])}))
    summary = report["summary"]
    assert (summary["failed"], summary["accepted"], summary["advisory"]) == (1, 1, 1)
    assert summary["new_failures"] == 1 and summary["verdict"] == "failed"
    assert [_rule(report, r)["status"] for r in (EXAMPLE, NORMATIVE, "errors.envelope")] == \
        ["advisory", "failed", "accepted"]
    passing = _report({EXAMPLE: set(OPS), "errors.envelope": {OPS[1]}}, baselined=frozenset({("errors.envelope", OPS[1])}))
    assert passing["summary"]["verdict"] == "passed" and passing["summary"]["new_failures"] == 0


# ---------------------------------------------------------------- HTML

def test_html_shows_advisory_muted_and_the_run_green():
    html = unescape(render_html(_report({EXAMPLE: set(OPS)})))
    assert '<div class="verdict passed" role="status" id="verdict">✓ No rule failed, 1 advisory (the document\'s ' \
           'example)</div>' in html
    assert "<title>Conformance passed" in html
    cells = re.findall(r'<td class="st-(\w[\w-]*)" data-col="\d+" data-s="[\w-]+">\s*<(?:button|span) [^>]*>', html)
    assert "failed" not in cells and "accepted" not in cells and cells.count("advisory") == len(OPS)
    assert re.search(r'<td class="st-advisory" data-col="\d+" data-s="advisory">\s*<button type="button" class="c adv" '
                     r'data-open="cors.max-age"[^>]*title="[^"]*advisory: the document\'s example, 1 violation: an '
                     r'example informs, never binds; it does not fail the run', html)
    assert "accepted by the baseline" not in html.split("<script")[0]  # the baseline's words are the baseline's
    assert 'value="advisory">Advisory</label>' in html  # the status filter offers it
    assert '<div class="stat advisory"' in html and "advisory: the document's example</span>" in html  # the legend
    row = re.search(r'<tr class="rule-row" data-rule="cors.max-age" data-status="advisory".*?</tr>', html, re.S).group(0)
    assert '<span class="basis"' in row and ">example</span>" in row
    normative = re.search(r'<tr class="rule-row" data-rule="cors.vary-origin".*?</tr>', html, re.S).group(0)
    assert 'class="basis' not in normative
    structure = re.search(r'<tr class="rule-row" data-rule="errors.envelope-example".*?</tr>', html, re.S).group(0)
    assert '<span class="basis bind"' in structure and ">example structure</span>" in structure
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1))
    assert data[EXAMPLE]["example"] is True and data[EXAMPLE]["operations"][OPS[0]]["advisory"] is True


def test_html_keeps_a_real_failure_red_beside_an_advisory_one():
    html = render_html(_report({EXAMPLE: set(OPS), NORMATIVE: {OPS[0]}}))
    assert '<div class="verdict failed" role="status" id="verdict">✗ 1 rule failed</div>' in html
    assert re.search(r'<td class="st-failed"[^>]*>\s*<button type="button" class="c" data-open="cors.vary-origin"', html)
    assert re.search(r'<td class="st-advisory"[^>]*>\s*<button type="button" class="c adv" data-open="cors.max-age"', html)


def test_a_baselined_run_with_an_advisory_rule_says_both():
    report = _report({EXAMPLE: {OPS[0]}, "errors.envelope": {OPS[1]}}, baselined=frozenset({("errors.envelope", OPS[1])}))
    report["summary"]["baseline"] = {"file": "b.yaml", "accepted": 1, "fixed": [], "expired": []}
    html = unescape(render_html(report))
    assert ">✓ Passed, 1 accepted by the baseline, 1 advisory (the document's example)</div>" in html
    assert re.search(r'<td class="st-accepted"[^>]*>\s*<button type="button" class="c base"', html)
    assert re.search(r'<td class="st-advisory"[^>]*>\s*<button type="button" class="c adv"', html)


def test_the_operations_view_shows_advisory_chips_after_failures():
    ops = [f"GET /api/v1/things{k}" for k in range(12)]
    report = _report({})
    for rule in report["rules"]:
        rule["operations"] = {op: {"status": "passed", "reason": "", "violation_count": 0} for op in ops}
    _rule(report, EXAMPLE)["operations"][ops[0]] = {"status": "failed", "reason": "", "violation_count": 1, "advisory": True}
    _rule(report, NORMATIVE)["operations"][ops[0]] = {"status": "failed", "reason": "", "violation_count": 1}
    html = render_html(report)
    row = re.search(r'<tr class="op-row" data-col="0".*?</tr>', html, re.S).group(0)
    chips = re.findall(r'<button type="button" class="rchip([^"]*)" data-open="([^"]+)"', row)
    assert chips == [("", NORMATIVE), (" adv", EXAMPLE)]


# ---------------------------------------------------------------- SARIF

def test_sarif_advisory_results_are_notes_and_rules_carry_their_basis():
    report = _report({EXAMPLE: {OPS[0]}, NORMATIVE: {OPS[1]}})
    sarif = build_sarif(report, spec_uri="openapi.json")
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(sarif))
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules[EXAMPLE]["defaultConfiguration"]["level"] == "note"
    assert rules[EXAMPLE]["properties"]["basis"] == "example-value" and rules[EXAMPLE]["properties"]["example"]
    assert rules[STRUCTURE]["defaultConfiguration"]["level"] == "error"
    assert rules[STRUCTURE]["properties"]["basis"] == "example-structure"
    assert rules[NORMATIVE]["defaultConfiguration"]["level"] == "warning"
    assert rules[NORMATIVE]["properties"]["basis"] == "sentence" and rules[NORMATIVE]["properties"]["example"] is False
    results = {r["ruleId"]: r for r in run["results"]}
    assert results[EXAMPLE]["level"] == "note" and "advisory" in results[EXAMPLE]["properties"]
    assert "suppressions" not in results[EXAMPLE]  # not the baseline's: nothing to suppress
    assert results[NORMATIVE]["level"] == "warning" and "advisory" not in results[NORMATIVE]["properties"]
    assert run["properties"]["advisory"] == 1 and run["properties"]["failed"] == 1


@pytest.mark.parametrize("example", [True, False])
def test_rule_status_is_advisory_only_for_example_rules(example):
    failing = {EXAMPLE if example else NORMATIVE: {OPS[0]}}
    report = _report(failing)
    assert _rule(report, EXAMPLE if example else NORMATIVE)["status"] == ("advisory" if example else "failed")
