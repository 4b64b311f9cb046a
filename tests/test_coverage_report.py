"""The coverage of the document in a run's reports (issue 21): a catalog `conformance derive` wrote lists the
document's normative sentences, and the JSON report, the HTML report and the terminal say of each which rules
checked it and with what verdict in this run, or why none did; a built-in catalog (no sentences listed) has none."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.derive import derive
from conformance.report.html_report import render_html

from conftest import SHARED

FEATBIT = SHARED / "seeds" / "000_d9a06a46ed08e79c.txt"


def derived_catalog(tmp_path: Path) -> tuple[dict, Path]:
    data, text = derive([FEATBIT])
    path = tmp_path / "featbit-derived.yaml"
    path.write_text(text, encoding="utf-8")
    return data, path


def rows_by_quote(report: dict) -> dict[str, dict]:
    return {row["quote"]: row for row in report["coverage"]["rows"]}


def test_a_derived_catalog_reports_each_sentence_with_this_runs_verdicts(demo, run_conformance, tmp_path):
    data, catalog = derived_catalog(tmp_path)
    html = tmp_path / "report.html"
    api = demo("featbit", faults={"cors.vary-origin"})
    outcome = run_conformance(api, f"--conformance-html={html}", profile=str(catalog), examples=2)
    report = outcome.report
    coverage = report["coverage"]
    rows = rows_by_quote(report)
    # every normative sentence of the document is there, in its order, and the counts add up
    assert [row["quote"] for row in coverage["rows"]] == [n["quote"] for n in data["normative"]]
    assert coverage["sentences"] == len(data["normative"])
    assert coverage["checked"] == sum(1 for row in coverage["rows"] if row["verdict"] != "unchecked")
    assert report["summary"]["coverage"]["checked"] == coverage["checked"]
    assert sum(coverage["verdicts"].values()) == coverage["sentences"]
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses["cors.vary-origin"] == "failed" and statuses["cors.origin-echo"] == "passed"
    # the sentence the planted fault breaks fails, with each of its rules' own verdict
    echoed = rows["If an Origin header is given in a request, it will be echoed as an explicitly allowed origin."]
    assert {r["id"]: r["status"] for r in echoed["rules"]} == {"cors.origin-echo": "passed",
                                                                "cors.vary-origin": "failed"}
    assert echoed["verdict"] == "failed" and echoed["document_title"] and echoed["section"] == "CORS"
    # a sentence whose rules all passed passes; one no rule checks says why
    passed = [row for row in coverage["rows"] if row["verdict"] == "passed"]
    assert passed and all(all(r["status"] == "passed" for r in row["rules"]) for row in passed)
    unchecked = [row for row in coverage["rows"] if row["verdict"] == "unchecked"]
    assert unchecked and all(row["why"] and row["kind"] != "none" and not row["rules"] for row in unchecked)
    secret = rows["You should never expose your access tokens to untrusted entities."]
    assert secret["verdict"] == "unchecked" and secret["kind"] == "client"
    # the terminal says it in one line
    assert (f"coverage of the document: {coverage['checked']} of {coverage['sentences']} normative sentences checked"
            in outcome.output())
    # the HTML: the headline, each sentence with its verdict and its rules, the reasons
    page = html.read_text(encoding="utf-8")
    assert 'id="coverage"' in page
    assert f"{coverage['checked']} of {coverage['sentences']} normative sentences checked" in page
    assert page.count('class="cov-row ') == coverage["sentences"]
    assert 'class="cov-row failed" data-verdict="failed"' in page
    assert "it will be echoed as an explicitly allowed origin.”" in page
    assert 'data-open="cors.vary-origin" data-s="failed"' in page
    assert "A requirement or advice to the client" in page
    # an unchecked sentence is listed once, in the coverage section, not again among the unobservable promises
    assert page.count("You should never expose your access tokens to untrusted entities.") == 1


def test_a_switched_off_rule_leaves_its_sentence_unchecked_with_the_reason(tmp_path):
    from conformance.report.coverage import coverage

    normative = [{"document": "a.md", "section": "S", "quote": "Every 401 has a challenge.", "rules": ["auth.challenge"]}]
    covered = coverage(normative, {}, [], statuses={})
    row = covered["rows"][0]
    assert covered["checked"] == 0 and row["verdict"] == "unchecked" and row["kind"] == "switched-off"
    assert "auth.challenge" in row["why"]


def test_a_built_in_catalog_has_no_coverage_section(demo, run_conformance, tmp_path):
    html = tmp_path / "report.html"
    outcome = run_conformance(demo("basic-crud"), f"--conformance-html={html}", examples=2)
    assert "coverage" not in outcome.report and "coverage" not in outcome.report["summary"]
    assert 'id="coverage"' not in html.read_text(encoding="utf-8")
    assert "coverage of the document" not in outcome.output()


def test_merge_keeps_the_coverage(demo, run_conformance, tmp_path):
    """`conformance merge` rebuilds the coverage from the shards' reports, with the merged verdicts."""
    from conformance.report.merge import merge_files

    _, catalog = derived_catalog(tmp_path)
    api = demo("featbit")
    paths = []
    for k in (1, 2):
        outcome = run_conformance(api, f"--conformance-shard={k}/2", profile=str(catalog), examples=2)
        path = tmp_path / f"shard{k}.json"
        path.write_text(json.dumps(outcome.report), encoding="utf-8")
        paths.append(path)
    merged_path = tmp_path / "merged.json"
    merge_files(paths, json_path=merged_path)
    merged = json.loads(merged_path.read_text())
    single = run_conformance(api, profile=str(catalog), examples=2).report
    assert [r["quote"] for r in merged["coverage"]["rows"]] == [r["quote"] for r in single["coverage"]["rows"]]
    assert merged["coverage"]["checked"] == single["coverage"]["checked"]
    assert 'id="coverage"' in render_html(merged)
