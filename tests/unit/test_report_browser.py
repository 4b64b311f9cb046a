"""The HTML report in a real browser: headless Chromium runs its script and dumps the DOM.

Skipped where no Chromium is installed (``apt-get install chromium``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

from conformance.report.html_report import write_html

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                if shutil.which(name)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no chromium binary")

TARGET = "http://127.0.0.1:8765"
RULE, OP = "auth.missing-credentials", "GET /api/v1/projects/{projectId}"
MESSAGE = "The operation answered 200 to a request without credentials: it ignores authentication."


def _report() -> dict:
    url = TARGET + "/api/v1/projects/7f3c"
    violation = {"operation": OP, "message": MESSAGE, "critical": True, "kind": "no-credentials", "note": "",
                 "request": {"method": "GET", "url": url, "headers": {"Accept": "application/json"}, "body": ""},
                 "response": {"status": 200, "headers": {"content-type": "application/json"},
                              "body": '{"id": "7f3c", "note": "<script>window.pwned = 1</script>"}', "truncated": False},
                 "error": None, "curl": f"curl -X GET '{url}'"}
    passed = {"status": "passed", "reason": "", "violation_count": 0}
    return {
        "format": "conformance-report/1",
        "summary": {"passed": 1, "failed": 1, "skipped": 0, "rules": 2, "requests": 12, "duration_s": 1.5,
                    "target": TARGET, "spec": "openapi.yaml", "profile": "featbit", "catalog": "featbit.yaml",
                    "seed": 7, "operations": 2, "started_at": "2025-11-03T10:00:00Z"},
        "rules": [
            {"id": RULE, "category": "auth", "severity": "must",
             "title": "A protected operation answers a request without credentials with 401",
             "source": {"document": "guide.txt", "section": "Authentication", "quote": "All resources are authenticated"},
             "status": "failed", "reason": "",
             "operations": {"GET /api/v1/projects": passed, OP: {"status": "failed", "reason": "", "violation_count": 1}},
             "violations": [violation]},
            {"id": "errors.envelope", "category": "errors", "severity": "should", "title": "Errors share one envelope",
             "source": {"document": "guide.txt", "section": "Errors"}, "status": "passed", "reason": "",
             "operations": {"GET /api/v1/projects": passed, OP: passed}, "violations": []},
        ],
        "unobservable": [],
    }


def _dump_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _body_without_data(dom: str) -> str:
    """The DOM less the embedded JSON, so that text found is text the page shows."""
    return re.sub(r'<script type="application/json" id="report-data">.*?</script>', "", dom, flags=re.S)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    write_html(_report(), path)
    return path


def test_the_rendered_page_has_the_matrix_and_a_closed_evidence_panel(page):
    dom = _dump_dom(page.as_uri())
    assert re.search(r'<table class="matrix" id="matrix"', dom)
    assert re.search(r'<aside class="panel" id="evidence"[^>]*\bhidden\b', dom)
    assert 'id="shown"' in dom and "2 rules" in dom  # the script ran
    assert MESSAGE not in _body_without_data(dom)


def test_the_url_hash_opens_the_evidence_of_a_failing_cell(page):
    dom = _dump_dom(page.as_uri() + "#open=" + quote(RULE, safe="") + "|" + quote(OP, safe=""))
    panel = re.search(r'<aside class="panel" id="evidence"([^>]*)>(.*?)</aside>', dom, re.S)
    assert panel and "hidden" not in panel.group(1)
    shown = panel.group(2)
    assert "A protected operation answers a request without credentials with 401" in shown
    assert MESSAGE in shown
    assert 'class="violation critical"' in shown
    assert "curl -X GET" in shown and ">Copy</button>" in shown
    assert "All resources are authenticated" in shown
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in shown  # the body is shown as text
    assert "<script>window.pwned" not in _body_without_data(dom)
    assert re.search(r'<tr class="rule-row sel" data-rule="auth.missing-credentials"', dom)


def _with_script(page: Path, tmp_path: Path, script: str) -> str:
    """The page with a script run after its own, as a person's clicks and typing would."""
    html = page.read_text(encoding="utf-8").replace("</body>", f"<script>{script}</script>\n</body>")
    path = tmp_path / "driven.html"
    path.write_text(html, encoding="utf-8")
    return _dump_dom(path.as_uri())


def _row(dom: str, rule_id: str) -> str:
    return re.search(r'<tr class="rule-row[^"]*" data-rule="' + re.escape(rule_id) + r'"[^>]*>', dom).group(0)


def test_clicking_a_failing_cell_opens_its_evidence(page, tmp_path):
    dom = _with_script(page, tmp_path, 'document.querySelector("button.c[data-op]").click();')
    panel = re.search(r'<aside class="panel" id="evidence"([^>]*)>(.*?)</aside>', dom, re.S)
    assert "hidden" not in panel.group(1)
    assert MESSAGE in panel.group(2) and "1 violation on " + OP in panel.group(2)


def test_search_and_status_filters_hide_rows(page, tmp_path):
    dom = _with_script(page, tmp_path, """
        var q = document.getElementById("q"); q.value = "envelope"; q.dispatchEvent(new Event("input"));""")
    assert "hidden" in _row(dom, RULE) and "hidden" not in _row(dom, "errors.envelope")
    assert "1 of 2 rules" in dom
    dom = _with_script(page, tmp_path, 'document.querySelector("input[name=status][value=failed]").click();')
    assert "hidden" not in _row(dom, RULE) and "hidden" in _row(dom, "errors.envelope")
    dom = _with_script(page, tmp_path, """
        var s = document.getElementById("f-sev"); s.value = "should"; s.dispatchEvent(new Event("change"));""")
    assert "hidden" in _row(dom, RULE) and "hidden" not in _row(dom, "errors.envelope")
