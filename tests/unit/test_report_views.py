"""The HTML and SARIF views of the JSON report (conformance/report/html_report.py, sarif_report.py)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from conformance.report.html_report import common_prefix, operations_of, render_html, write_html
from conformance.report.sarif_report import build_sarif, operation_line, spec_uri_for, write_sarif

DATA = Path(__file__).resolve().parent.parent / "data"
TARGET = "http://127.0.0.1:8765"
LIST, CREATE, HEALTH = "GET /api/v1/projects", "POST /api/v1/projects", "GET /api/v1/health"
EVIL_BODY = '{"error": "<script>alert(\'pwned\')</script>"}'

SPEC_YAML = """\
openapi: 3.0.3
info: {title: Demo, version: "1"}
paths:
  /api/v1/health:
    get:
      security: []
      responses: {"200": {description: ok}}
  /api/v1/projects:
    get:
      responses: {"200": {description: ok}}
    post:
      responses: {"201": {description: created}}
"""


def _violation(operation: str, message: str, *, critical: bool, status: int, body: str) -> dict:
    method, _, path = operation.partition(" ")
    url = TARGET + path
    return {
        "operation": operation, "message": message, "critical": critical, "kind": "no-credentials",
        "note": "sent without the Authorization header",
        "request": {"method": method, "url": url, "headers": {"Accept": "application/json"}, "body": ""},
        "response": {"status": status, "headers": {"content-type": "application/json"}, "body": body,
                     "truncated": False},
        "error": None,
        "curl": f"curl -X {method} '{url}' -H 'Accept: application/json'",
    }


def sample_report() -> dict:
    """The shape build_report produces: a failing critical rule, a passing one, a skipped one."""
    missing = _violation(LIST, "The operation answered 200 to a request without credentials: it ignores authentication.",
                         critical=True, status=200, body=EVIL_BODY)
    content_type = _violation(CREATE, "The response has Content-Type text/html, not application/json.",
                              critical=False, status=500, body="<html>oops</html>")
    return {
        "format": "conformance-report/1",
        "summary": {"passed": 1, "failed": 2, "skipped": 1, "rules": 4, "requests": 57, "duration_s": 3.25,
                    "target": TARGET, "spec": "specs/demo.yaml", "profile": "basic-crud",
                    "catalog": "conformance/catalog/profiles/basic-crud.yaml", "seed": 42, "operations": 3,
                    "started_at": "2025-11-03T10:00:00Z"},
        "rules": [
            {"id": "auth.missing-credentials", "category": "auth", "severity": "must",
             "title": "A request without credentials is answered with 401",
             "source": {"document": "api-guide.txt", "document_title": "Example API guide", "section": "Authentication",
                        "quote": "To interact with the API, your client will need to be authenticated"},
             "status": "failed", "reason": "",
             "operations": {
                 HEALTH: {"status": "not-applicable", "reason": "the operation is public (security: [])",
                          "violation_count": 0},
                 LIST: {"status": "failed", "reason": "", "violation_count": 1},
                 CREATE: {"status": "passed", "reason": "", "violation_count": 0}},
             "violations": [missing]},
            {"id": "content-type.json-response", "category": "content-type", "severity": "should",
             "title": "Responses with a body have Content-Type: application/json <b>always</b>",
             "source": {"document": "api-guide.txt", "document_title": "Example API guide", "section": "Content-type"},
             "status": "failed", "reason": "",
             "operations": {
                 HEALTH: {"status": "passed", "reason": "", "violation_count": 0},
                 LIST: {"status": "passed", "reason": "", "violation_count": 0},
                 CREATE: {"status": "failed", "reason": "", "violation_count": 1, "baselined": True}},
             "violations": [content_type]},
            {"id": "errors.envelope", "category": "errors", "severity": "must",
             "title": "Every error response has the common envelope",
             "source": {"document": "api-guide.txt", "document_title": "Example API guide", "section": "Errors"},
             "status": "passed", "reason": "",
             "operations": {op: {"status": "passed", "reason": "", "violation_count": 0}
                            for op in (HEALTH, LIST, CREATE)},
             "violations": []},
            {"id": "rate-limit.headers", "category": "rate-limit", "severity": "should",
             "title": "Responses carry the rate-limit headers",
             "source": {"document": "api-guide.txt", "document_title": "Example API guide", "section": "Rate limits"},
             "status": "skipped", "reason": "",
             "operations": {op: {"status": "skipped", "reason": "rate-limit probes are off", "violation_count": 0}
                            for op in (HEALTH, LIST, CREATE)},
             "violations": []},
        ],
        "unobservable": [{"promise": "Tokens are issued from the Integrations page",
                          "source": {"document": "api-guide.txt", "document_title": "Example API guide", "section": "Authentication"},
                          "why": "How tokens are issued is not visible over the API."}],
    }


@pytest.fixture
def report() -> dict:
    return sample_report()


@pytest.fixture
def html(report) -> str:
    return render_html(report)


# ---------------------------------------------------------------- HTML

def test_html_has_the_matrix_with_every_rule_and_operation(html, report):
    assert '<table class="matrix"' in html
    for rule in report["rules"]:
        assert f'data-rule="{rule["id"]}"' in html
        assert rule["id"] in html
    for label in (LIST, CREATE, HEALTH):
        assert f'title="{label}"' in html  # the column header carries the full label
    assert "under <code>/api/v1</code>" in html  # the common prefix is shown once


def test_html_header_shows_the_run(html):
    for text in (TARGET, "specs/demo.yaml", "basic-crud", "2025-11-03T10:00:00Z", ">57<", "3.2 s", ">42<"):
        assert text in html
    assert "2 rules failed" in html


def test_html_cells_have_a_symbol_and_a_tooltip_not_only_colour(html):
    assert re.search(r'<td class="st-failed"[^>]*>\s*<button type="button" class="c crit"[^>]*>!</button>', html)
    assert re.search(r'<td class="st-passed"[^>]*>\s*<span class="c"[^>]*>✓</span>', html)
    assert re.search(r'<td class="st-skipped"[^>]*>\s*<span class="c" title="[^"]*rate-limit probes are off"[^>]*>–</span>', html)
    assert re.search(r'<td class="st-not-applicable"[^>]*>\s*<span class="c" title="[^"]*the operation is public', html)
    assert 'class="c base"' in html  # the baselined failure is marked


def test_html_carries_the_evidence(html):
    assert 'data-open="auth.missing-credentials" data-op="GET /api/v1/projects"' in html
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1))
    violation = data["auth.missing-credentials"]["violations"][0]
    assert violation["critical"] is True
    assert violation["curl"].startswith("curl -X GET")
    assert violation["response"]["body"] == EVIL_BODY
    assert data["auth.missing-credentials"]["source"]["quote"].startswith("To interact")
    assert 'id="evidence"' in html and "navigator.clipboard" in html and "execCommand" in html


def test_html_lists_the_unobservable_promises(html):
    assert "Promises this tool cannot observe (1)" in html
    assert "How tokens are issued is not visible over the API." in html


def test_html_escapes_report_text(html):
    assert "<script>alert" not in html
    assert "&lt;b&gt;always&lt;/b&gt;" in html  # a title with markup is text
    assert "<b>always</b>" not in html


def test_html_loads_nothing_from_anywhere(html, report):
    assert not re.search(r"<script[^>]*\ssrc\s*=", html, re.I)
    assert not re.search(r"<link[^>]*\shref\s*=\s*[\"'](?!data:)", html, re.I)
    assert not re.search(r"<(img|iframe|object|embed|source|video|audio)\b", html, re.I)
    assert not re.search(r"url\s*\(|@import", html, re.I)
    allowed = {urlsplit(TARGET).netloc} | {urlsplit(v["request"]["url"]).netloc
                                           for rule in report["rules"] for v in rule["violations"]}
    hosts = {urlsplit(url).netloc for url in re.findall(r"https?://[^\s\"'<>\\]+", html)}
    assert hosts <= allowed
    assert "default-src 'none'" in html  # and the page forbids itself any request


def test_html_without_failures_or_operations_still_renders():
    report = sample_report()
    report["rules"] = [r for r in report["rules"] if r["status"] != "failed"]
    report["summary"].update(failed=0)
    assert "No rule failed" in render_html(report)
    empty = {"format": "conformance-report/1", "summary": {"target": TARGET}, "rules": [], "unobservable": []}
    assert '<table class="matrix"' in render_html(empty)


def test_html_of_a_baselined_run_reads_as_passed_and_names_fixed_and_expired_entries(report):
    report["rules"][0]["status"] = "passed"  # only the accepted failure remains
    report["rules"][0]["operations"][LIST] = {"status": "passed", "reason": "", "violation_count": 0}
    report["rules"][0]["violations"] = []
    report["rules"][1]["status"] = "accepted"
    report["summary"].update(verdict="passed", failed=0, accepted=1, new_failures=0, baseline={
        "file": "conformance-baseline.yaml", "accepted": 1,
        "fixed": [{"rule": "rate-limit.headers", "operation": LIST, "reason": "old"}],
        "expired": [{"rule": "errors.envelope", "operation": HEALTH, "reason": "legacy", "expires": "2020-01-01"}]})
    html = render_html(report)
    assert '<div class="verdict passed" role="status" id="verdict">✓ Passed, 1 accepted by the baseline</div>' in html
    assert "<title>Conformance passed" in html and "verdict failed" not in html
    assert re.search(r'<td class="st-accepted" data-col="\d+" data-s="accepted">\s*<button type="button" class="c base"', html)
    assert 'value="accepted">Accepted</label>' in html  # the status filter offers it
    box = re.search(r'<div class="baseline" id="baseline">(.*?)</div>', html, re.S).group(1)
    assert "1 known failure accepted" in box and ", 0 new." in box
    assert re.search(r'fixed</span><code>rate-limit.headers</code> on <code>GET /api/v1/projects</code>: no longer occurs', box)
    assert re.search(r"expired</span><code>errors.envelope</code> on <code>GET /api/v1/health</code>: accepted until "
                     r"2020-01-01 \(legacy\); it counts again", box)


def test_the_operations_first_view_is_offered_for_many_operations_and_opens_first_for_more_than_fit():
    def report_with(n: int) -> dict:
        report = sample_report()
        labels = [f"GET /api/v1/things{k}" for k in range(n)]
        for rule in report["rules"]:
            rule["operations"] = {label: {"status": "passed", "reason": "", "violation_count": 0} for label in labels}
        return report

    few, some, many = (render_html(report_with(n)) for n in (3, 12, 40))
    assert 'name="view"' not in few and 'id="ops-view"' not in few
    assert 'id="ops-view"' in some and '<body data-start-view="matrix">' in some
    assert '<body data-start-view="operations">' in many and '<div class="matrix-wrap" id="matrix-view" hidden>' in many
    assert many.count('<tr class="op-row"') == 40


def test_write_html(tmp_path, report):
    path = tmp_path / "out" / "report.html"
    write_html(report, path)
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_operations_are_ordered_by_path_then_method(report):
    assert operations_of(report) == [HEALTH, LIST, CREATE]
    assert common_prefix(["GET /api/v1/a", "GET /api/v1/a/{id}"]) == "/api/v1"
    assert common_prefix(["GET /a", "GET /b"]) == ""
    assert common_prefix(["GET /api/{v}/a", "GET /api/{v}/b"]) == "/api"


# ---------------------------------------------------------------- SARIF

@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    return json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def _validate(sarif: dict, schema: dict) -> None:
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_sarif_validates_against_the_2_1_0_schema(report, sarif_schema, tmp_path, monkeypatch):
    spec = tmp_path / "specs" / "demo.yaml"
    spec.parent.mkdir()
    spec.write_text(SPEC_YAML)
    monkeypatch.chdir(tmp_path)
    sarif = build_sarif(report, spec_uri=spec_uri_for(str(spec)))
    _validate(sarif, sarif_schema)
    assert sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1


def test_sarif_rules_and_results(report, tmp_path, monkeypatch):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "demo.yaml").write_text(SPEC_YAML)
    monkeypatch.chdir(tmp_path)
    run = build_sarif(report, spec_uri="specs/demo.yaml")["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "conformance"
    assert [r["id"] for r in driver["rules"]] == [r["id"] for r in report["rules"]]
    auth = driver["rules"][0]
    assert auth["shortDescription"]["text"] == report["rules"][0]["title"]
    assert "Source: Example API guide, § Authentication: “To interact" in auth["fullDescription"]["text"]
    assert "api-guide.txt" not in auth["fullDescription"]["text"]
    assert auth["properties"]["source"]["document"] == "api-guide.txt"  # the file, for tools
    assert auth["defaultConfiguration"]["level"] == "error"
    assert driver["rules"][1]["defaultConfiguration"]["level"] == "warning"
    assert auth["properties"]["category"] == "auth" and auth["properties"]["severity"] == "must"
    assert auth["properties"]["source"]["section"] == "Authentication"

    results = run["results"]
    assert [(r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]) for r in results] == [
        ("auth.missing-credentials", LIST), ("content-type.json-response", CREATE)]
    first, second = results
    assert first["level"] == "error" and second["level"] == "warning"
    assert first["message"]["text"].startswith(LIST + ": The operation answered 200")
    location = first["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "specs/demo.yaml"
    assert location["physicalLocation"]["region"]["startLine"] == 9  # "get:" under /api/v1/projects
    assert second["locations"][0]["physicalLocation"]["region"]["startLine"] == 11  # its "post:"
    assert location["logicalLocations"][0]["kind"] == "function"
    assert first["baselineState"] == "new" and "suppressions" not in first
    assert second["baselineState"] == "unchanged"
    assert second["suppressions"][0]["kind"] == "external"
    assert first["properties"]["critical"] is True


def test_sarif_without_a_readable_spec_points_at_line_1(report, sarif_schema):
    report["summary"]["spec"] = "http://127.0.0.1:8765/openapi.json"
    sarif = build_sarif(report, spec_uri="http://127.0.0.1:8765/openapi.json")
    _validate(sarif, sarif_schema)
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in sarif["runs"][0]["results"]}
    assert lines == {1}


def test_sarif_with_no_failure_has_no_result(report, sarif_schema):
    passing = copy.deepcopy(report)
    passing["rules"] = [r for r in passing["rules"] if r["status"] != "failed"]
    sarif = build_sarif(passing, spec_uri="openapi.yaml")
    _validate(sarif, sarif_schema)
    assert sarif["runs"][0]["results"] == []


def test_sarif_marks_accepted_fixed_and_expired_baseline_entries(report, sarif_schema):
    report["summary"]["baseline"] = {
        "file": "conformance-baseline.yaml", "accepted": 1,
        "fixed": [{"rule": "rate-limit.headers", "operation": LIST, "reason": "the proxy answers 429"}],
        "expired": [{"rule": "auth.missing-credentials", "operation": LIST, "reason": "old", "expires": "2020-01-01"}]}
    report["rules"][1]["operations"][CREATE]["accepted_because"] = "the upload endpoint streams HTML"
    report["rules"][0]["operations"][LIST]["baseline_expired"] = "2020-01-01"
    sarif = build_sarif(report, spec_uri="openapi.yaml")
    _validate(sarif, sarif_schema)
    by_state = {(r["ruleId"], r["baselineState"]): r for r in sarif["runs"][0]["results"]}
    accepted = by_state[("content-type.json-response", "unchanged")]
    assert accepted["suppressions"] == [{"kind": "external", "justification":
                                         "accepted by the baseline: the upload endpoint streams HTML"}]
    expired = by_state[("auth.missing-credentials", "new")]
    assert "suppressions" not in expired and expired["properties"]["baselineExpired"] == "2020-01-01"
    fixed = by_state[("rate-limit.headers", "absent")]
    assert fixed["kind"] == "pass" and fixed["level"] == "none" and "fixed" in fixed["message"]["text"]
    assert sarif["runs"][0]["properties"]["baseline"]["file"] == "conformance-baseline.yaml"


def test_write_sarif(report, tmp_path, sarif_schema):
    path = tmp_path / "out" / "conformance.sarif"
    write_sarif(report, path, "specs/demo.yaml")
    _validate(json.loads(path.read_text()), sarif_schema)


def test_operation_line_in_json_and_yaml():
    text = json.dumps({"openapi": "3.0.3", "paths": {"/a": {"get": {}, "post": {}}, "/a/{id}": {"get": {}}}}, indent=2)
    lines = text.splitlines()
    assert lines[operation_line(text, "POST /a") - 1].strip().startswith('"post"')
    assert lines[operation_line(text, "GET /a/{id}") - 1].strip().startswith('"get"')
    assert operation_line(text, "PUT /a") == lines.index('    "/a": {') + 1  # the path, when the method is absent
    assert operation_line(SPEC_YAML, "GET /api/v1/health") == 5
    assert operation_line(SPEC_YAML, "GET /nowhere") == 1
    assert operation_line(None, "GET /a") == 1


def test_spec_uri_for(tmp_path):
    assert spec_uri_for(str(tmp_path / "specs" / "a.yaml"), cwd=tmp_path) == "specs/a.yaml"
    assert spec_uri_for("https://example.test/openapi.json") == "https://example.test/openapi.json"
    assert spec_uri_for("/elsewhere/a.yaml", cwd=tmp_path) == "file:///elsewhere/a.yaml"
