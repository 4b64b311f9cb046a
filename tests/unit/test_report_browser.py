"""The HTML report in a real browser: headless Chromium at 1400x1000, driven through the DevTools protocol
(tests/unit/chromium.py) with real mouse clicks, the real clipboard and screenshots.

Screenshots land in pytest's base temporary directory, under screenshots/ (the path is printed with -s).
Skipped where no Chromium is installed (``apt-get install chromium``; ``make test`` installs it)."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from chromium import Chromium, find_browser
from conformance.run import load_catalog
from conformance.cli import main as conformance_cli
from conformance.demo import FAULTY
from conformance.models import Exchange, Request, Response
from conformance.redaction import Redactor, secret_variables
from conformance.report.html_report import write_html
from conformance.report.json_report import build_report
from conformance.report.records import exchange_record

BROWSER = find_browser()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (make test installs it as root with apt-get where that upgrades nothing already on the machine; else install chromium)")

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
WIDE_SPEC = SHARED / "realworld" / "specs" / "directus-10.13.4-admin.oas.json"  # 136 operations
WIDTH, HEIGHT = 1400, 1000

TARGET = "http://127.0.0.1:8765"
RULE, OP = "auth.missing-credentials", "GET /api/v1/projects/{projectId}"
MESSAGE = "The operation answered 200 to a request without credentials: it ignores authentication."


@pytest.fixture(scope="module")
def browser():
    with Chromium(BROWSER, width=WIDTH, height=HEIGHT) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    directory = tmp_path_factory.getbasetemp() / "screenshots"
    directory.mkdir(exist_ok=True)
    print(f"\nscreenshots of the HTML report: {directory}")
    return directory


# -- a small report: two rules, two operations -------------------------------------------------------

def _report() -> dict:
    url = TARGET + "/api/v1/projects/7f3c"
    violation = {"operation": OP, "message": MESSAGE, "critical": True, "kind": "no-credentials", "note": "",
                 "request": {"method": "GET", "url": url, "headers": {"Accept": "application/json"}, "body": ""},
                 "response": {"status": 200, "headers": {"content-type": "application/json"},
                              "body": '{"id": "7f3c", "note": "<script>window.pwned = 1</script>"}', "truncated": False},
                 "error": None, "curl": f"curl -X GET '{url}'", "curl_env": []}
    passed = {"status": "passed", "reason": "", "violation_count": 0}
    return {
        "format": "conformance-report/1",
        "summary": {"verdict": "failed", "passed": 1, "failed": 1, "accepted": 0, "skipped": 0, "rules": 2,
                    "requests": 12, "duration_s": 1.5, "target": TARGET, "spec": "openapi.yaml", "profile": "featbit",
                    "catalog": "featbit.yaml", "seed": 7, "operations": 2, "started_at": "2025-11-03T10:00:00Z"},
        "rules": [
            {"id": RULE, "category": "auth", "severity": "must",
             "title": "A protected operation answers a request without credentials with 401",
             "source": {"document": "guide.txt", "document_title": "The API guide", "section": "Authentication",
                        "quote": "All resources are authenticated"},
             "status": "failed", "reason": "",
             "operations": {"GET /api/v1/projects": passed, OP: {"status": "failed", "reason": "", "violation_count": 1}},
             "violations": [violation]},
            {"id": "errors.envelope", "category": "errors", "severity": "should", "title": "Errors share one envelope",
             "source": {"document": "guide.txt", "document_title": "The API guide", "section": "Errors"},
             "status": "passed", "reason": "",
             "operations": {"GET /api/v1/projects": passed, OP: passed}, "violations": []},
        ],
        "unobservable": [],
    }


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    write_html(_report(), path)
    return path


def _panel(page) -> dict:
    return page.evaluate("""({open: !document.getElementById("evidence").hidden,
                              text: document.getElementById("evidence").innerText})""")


def _hidden(page, selector: str) -> list[bool]:
    return page.evaluate(f"Array.from(document.querySelectorAll({json.dumps(selector)})).map(function (e) {{ "
                         "return e.hidden || e.offsetParent === null; })")


def test_the_page_opens_with_the_matrix_and_a_closed_evidence_panel(browser, page_file):
    page = browser.open(page_file.as_uri())
    assert page.evaluate("!!document.querySelector('table.matrix#matrix')")
    assert not _panel(page)["open"]
    assert page.evaluate("document.getElementById('shown').textContent") == "2 rules × 2 operations"
    assert MESSAGE not in page.evaluate("document.body.innerText")


def test_the_url_hash_opens_the_evidence_of_a_failing_cell(browser, page_file):
    page = browser.open(page_file.as_uri() + "#open=" + quote(RULE, safe="") + "|" + quote(OP, safe=""))
    panel = _panel(page)
    assert panel["open"]
    assert "A protected operation answers a request without credentials with 401" in panel["text"]
    assert MESSAGE in panel["text"] and "All resources are authenticated" in panel["text"]
    assert "Source: The API guide, § Authentication" in panel["text"]
    assert "<script>window.pwned = 1</script>" in panel["text"]  # the body is shown as text ...
    assert page.evaluate("window.pwned") is None  # ... and never run
    assert page.evaluate("document.querySelector('tr.rule-row.sel').dataset.rule") == RULE


def test_clicking_a_failing_cell_opens_its_evidence(browser, page_file):
    page = browser.open(page_file.as_uri())
    page.click("td button.c[data-op]")
    panel = _panel(page)
    assert panel["open"] and MESSAGE in panel["text"] and ("1 violation on " + OP).upper() in panel["text"].upper()
    page.press("Escape")
    assert not _panel(page)["open"]


def test_the_evidence_panel_counts_every_violation_as_the_cell_and_the_json_do(browser, tmp_path):
    """Five violations with one message keep one piece of evidence: the panel says five, as the cell's tooltip,
    the JSON and the terminal do, and how many distinct ones it shows."""
    report = _report()
    report["rules"][0]["operations"][OP]["violation_count"] = 5
    path = tmp_path / "five.html"
    write_html(report, path)
    page = browser.open(path.as_uri())
    tip = page.evaluate("document.querySelector('td button.c[data-op]').title")
    assert "5 violations" in tip
    page.click("td button.c[data-op]")
    text = _panel(page)["text"].upper()
    assert ("5 violations on " + OP + " (1 distinct shown)").upper() in text, text
    assert "ALL OPERATIONS (5)" in text


def test_at_1400_px_the_header_shows_whole_values_and_the_matrix_uses_the_width(browser, tmp_path):
    report = _report()
    report["summary"]["spec"] = "https://api.staging.example.test/internal/v2/openapi/specification.json"
    report["summary"]["credential"] = {"status": "accepted", "operation": "GET /api/v1/projects", "answered": 200,
                                       "channel": "in the header Authorization",
                                       "message": "accepted, in the header Authorization, by GET /api/v1/projects"}
    path = tmp_path / "wide.html"
    write_html(report, path)
    page = browser.open(path.as_uri())
    clipped = page.evaluate("Array.from(document.querySelectorAll('.meta dd')).filter(function (d) { "
                            "return d.scrollWidth > d.clientWidth + 1; }).map(function (d) { return d.textContent; })")
    assert clipped == [], clipped
    text = page.evaluate("document.querySelector('.meta').innerText").replace("\n", "")
    assert "https://api.staging.example.test/internal/v2/openapi/specification.json" in text
    # two operations leave the rule column its widest, not half the page empty
    width = page.evaluate("document.getElementById('matrix').getBoundingClientRect().width")
    assert width >= 0.55 * WIDTH, width


def test_filters_hide_columns_as_well_as_rows(browser, page_file):
    page = browser.open(page_file.as_uri())
    page.type("#q", "envelope")
    assert _hidden(page, "tr.rule-row") == [True, False]
    assert page.evaluate("document.getElementById('shown').textContent") == "1 of 2 rules × 2 operations"
    page = browser.open(page_file.as_uri())
    page.click("label:has(> input[name=status][value=failed])")
    assert _hidden(page, "tr.rule-row") == [False, True]
    # the list operation failed nothing: its column goes, header and cells alike
    assert _hidden(page, "th.op") == [True, False]
    assert _hidden(page, 'td[data-col="0"]') == [True, True]
    assert page.evaluate("document.getElementById('shown').textContent") == "1 of 2 rules × 1 of 2 operations"
    page = browser.open(page_file.as_uri())
    page.type("#q", "{projectId}")  # an operation's path: the columns narrow, the rules stay
    assert _hidden(page, "th.op") == [True, False] and _hidden(page, "tr.rule-row") == [False, False]


# -- a wide API: the 136 operations of a real spec ------------------------------------------------------

WIDE_TOKEN = "wide-api-token-4b1d"


def wide_report() -> dict:
    """A report built by the real report code from verdict records synthesized for every operation of
    directus' admin API (136 operations) under the featbit catalog: failures scattered over the whole
    width, two of them critical, one rule skipped, two not applicable to most operations."""
    spec = json.loads(WIDE_SPEC.read_text())
    methods = ("get", "put", "post", "patch", "delete", "head", "options")
    labels = [(m.upper(), path) for path, item in spec["paths"].items() for m in item if m in methods]
    catalog = load_catalog("featbit")
    redactor = Redactor([WIDE_TOKEN], {"Authorization"}, secret_variables(WIDE_TOKEN, None))
    failing = {"content-type.json-response": 3, "cors.vary-origin": 7, "errors.envelope": 1}
    records = []
    for number, (method, path) in enumerate(labels):
        label = f"{method} {path}"
        for rule in catalog.rules:
            status, reason, violations = "passed", "", []
            if rule.id == "auth.forbidden-credentials":
                status, reason = "skipped", "no credential without permission was given"
            elif rule.id in ("auth.public-operations", "content-type.json-request") and method != "POST":
                status, reason = "not-applicable", "the operation takes no body"
            elif (failing.get(rule.id) == zlib.crc32(f"{rule.id}|{label}".encode()) % 10
                  or (rule.id == RULE and number in (97, 131))):
                status = "failed"
                url = TARGET + re.sub(r"[{}]", "", path)
                exchange = Exchange("generated", Request(method, url, {"Accept": "application/json",
                                                                       "Authorization": WIDE_TOKEN}),
                                    Response(404, {"content-type": ["text/html"]}, b"<html>Not found</html>"))
                violations = [{"operation": label, "message": f"Expected JSON on {label}, got text/html.",
                               "critical": rule.id == RULE, **exchange_record(exchange, redactor)}]
            records.append({"rule": rule.id, "operation": label, "status": status, "severity": rule.severity,
                            "reason": reason, "violations": violations, "violation_count": len(violations),
                            "judged": 1})
    meta = {"requests": 4211, "duration_s": 182.4, "target": TARGET, "spec": str(WIDE_SPEC), "profile": "featbit",
            "catalog": catalog.origin, "seed": 3, "operations": len(labels), "started_at": "2025-11-26T10:00:00Z"}
    return build_report(catalog=catalog, records=records, meta=meta)


def _no_sideways_scroll(page) -> None:
    size = page.evaluate("({sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth})")
    assert size["sw"] <= size["cw"], f"the page scrolls sideways: {size}"


def _one_scroll_area(page) -> None:
    """No element scrolls vertically inside the page (the evidence panel is an overlay, not the page)."""
    nested = page.evaluate("""Array.from(document.querySelectorAll("body *")).filter(function (el) {
        var style = getComputedStyle(el);
        return !el.closest("#evidence") && el.offsetParent !== null && /(auto|scroll)/.test(style.overflowY) &&
               el.scrollHeight > el.clientHeight + 1;
    }).map(function (el) { return el.tagName + "." + el.className; })""")
    assert nested == [], f"nested vertical scroll areas: {nested}"


def _failures_in_view(page, selector: str) -> int:
    """Every failure shown can be reached without scrolling sideways: each lies within the viewport's width."""
    boxes = page.evaluate(f"""Array.from(document.querySelectorAll({json.dumps(selector)}))
        .filter(function (el) {{ return el.offsetParent !== null; }})
        .map(function (el) {{ var r = el.getBoundingClientRect(); return [r.left, r.right]; }})""")
    assert boxes, f"no {selector} shown"
    width = page.evaluate("document.documentElement.clientWidth")
    assert all(0 <= left and right <= width for left, right in boxes), (width, boxes)
    return len(boxes)


@pytest.mark.skipif(not WIDE_SPEC.is_file(), reason="no real-world specs beside the repository")
def test_a_wide_api_opens_operations_first_and_a_failure_is_two_clicks_away(browser, shots, tmp_path):
    report = wide_report()
    assert report["summary"]["operations"] == 136
    failing_ops = {op for rule in report["rules"] for op, v in rule["operations"].items() if v["status"] == "failed"}
    path = tmp_path / "wide.html"
    write_html(report, path)
    page = browser.open(path.as_uri())

    # operations first: one row per operation, failing rules as chips, nothing off to the right
    assert not page.evaluate("document.getElementById('ops-view').hidden")
    assert page.evaluate("document.getElementById('matrix-view').hidden")
    assert page.evaluate("document.getElementById('shown').textContent") == "136 operations"
    _no_sideways_scroll(page)
    _one_scroll_area(page)
    page.screenshot(shots / "wide-1-operations-first.png")
    page.click("label:has(> input[name=status][value=failed])")
    assert page.evaluate("document.getElementById('shown').textContent") == f"{len(failing_ops)} of 136 operations"
    shown = page.evaluate("Array.from(document.querySelectorAll('tr.op-row')).filter(function (r) { "
                          "return !r.hidden; }).map(function (r) { return r.querySelector('th').title; })")
    assert set(shown) == failing_ops
    assert _failures_in_view(page, ".rchip") == sum(1 for r in report["rules"] for v in r["operations"].values()
                                                    if v["status"] == "failed")
    page.screenshot(shots / "wide-2-operations-failed-only.png")

    # a critical chip far down the list: its evidence, and the curl command copied as it reads
    page.click(".rchip.crit")
    panel = _panel(page)
    assert panel["open"] and "Expected JSON on" in panel["text"] and "CONFORMANCE_TOKEN" in panel["text"]
    page.click("#ev-body button.copy")
    page.settle(0.3)
    copied = page.clipboard()
    assert copied.startswith("curl -X ") and '-H "Authorization: $CONFORMANCE_TOKEN"' in copied
    assert WIDE_TOKEN not in copied and WIDE_TOKEN not in page.evaluate("document.documentElement.outerHTML")
    assert page.evaluate("document.querySelector('#ev-body button.copy').textContent") == "Copied"
    page.screenshot(shots / "wide-3-evidence-copied.png")
    page.press("Escape")

    # the matrix: the Failed filter hides the columns without a failure too
    page.click("label:has(> input[name=view][value=matrix])")
    columns = page.evaluate("Array.from(document.querySelectorAll('th.op')).filter(function (th) { "
                            "return !th.hidden; }).map(function (th) { return th.title; })")
    assert set(columns) == failing_ops and len(columns) < 136
    _one_scroll_area(page)
    page.click('td:not([hidden]) button.c[data-op="POST /collections"]')
    assert _panel(page)["open"] and "POST /collections" in _panel(page)["text"]
    page.press("Escape")
    page.screenshot(shots / "wide-4-matrix-failed-columns.png")
    assert "view=matrix" in page.evaluate("location.hash")  # a link that opens the same view


# -- real runs: a faulty demo, and a run whose every failure the baseline accepts ------------------------

def test_a_faulty_demo_report_shows_every_failure_without_scrolling_sideways(browser, shots, tmp_path, capsys):
    assert conformance_cli(["demo", "--profile", "featbit", "--faulty", "--reports", str(tmp_path),
                            "--max-examples", "3"]) == 0
    capsys.readouterr()
    page = browser.open((tmp_path / "featbit-faulty.html").as_uri())
    assert page.evaluate("document.getElementById('verdict').textContent") == f"✗ {len(FAULTY['featbit'])} rules failed"
    _no_sideways_scroll(page)
    _one_scroll_area(page)
    assert _failures_in_view(page, "td button.c") > 0
    page.screenshot(shots / "faulty-1-report.png")
    page.click('tr[data-rule="cors.preflight"] td button.c')
    assert "cors.preflight" in _panel(page)["text"]
    page.click("#ev-body button.copy")
    page.settle(0.3)
    copied = page.clipboard()
    assert copied.startswith("curl -X OPTIONS ") and copied in _panel(page)["text"]
    page.screenshot(shots / "faulty-2-evidence.png")


def test_a_baselined_run_reads_as_passed(browser, shots, demo, run_conformance, pytester):
    api = demo("featbit", faults=set(FAULTY["featbit"]))
    baseline = pytester.path / "conformance-baseline.yaml"
    assert run_conformance(api, f"--conformance-baseline={baseline}", "--conformance-update-baseline").ret == 0
    data = yaml.safe_load(baseline.read_text())
    data["accepted"].append({"rule": "errors.envelope", "operation": "GET /api/v1/projects",
                             "reason": "fixed since the baseline was written"})
    baseline.write_text(yaml.safe_dump(data))
    html = pytester.path / "baselined.html"
    outcome = run_conformance(api, f"--conformance-baseline={baseline}", f"--conformance-html={html}")
    assert outcome.ret == 0 and outcome.report["summary"]["verdict"] == "passed"

    page = browser.open(html.as_uri())
    verdict = page.evaluate("""(function () { var v = document.getElementById("verdict");
        return {text: v.textContent, cls: v.className, color: getComputedStyle(v).color}; })()""")
    assert verdict["text"] == f"✓ Passed, {len(FAULTY['featbit'])} accepted by the baseline"
    assert verdict["cls"] == "verdict passed"
    red = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--fail').trim()")
    assert verdict["color"] != _rgb(red)
    assert page.evaluate("document.title").startswith("Conformance passed")
    assert page.evaluate("document.querySelectorAll('td.st-failed, .rchip:not(.acc), .verdict.failed').length") == 0
    assert _failures_in_view(page, "td.st-accepted button.c") > 0
    baseline_box = page.evaluate("document.getElementById('baseline').innerText")
    assert re.search(r"FIXED\s*errors\.envelope on GET /api/v1/projects: no longer occurs; remove it from the baseline",
                     baseline_box), baseline_box
    _no_sideways_scroll(page)
    page.screenshot(shots / "baselined-1-report.png")
    page.click("td.st-accepted button.c")
    assert "accepted by the baseline: TODO" in _panel(page)["text"]
    page.screenshot(shots / "baselined-2-evidence.png")


def _rgb(hex_colour: str) -> str:
    value = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i:i + 2], 16) for i in (0, 2, 4)))


# -- reach, a refused credential, advisory rules: real runs against the demo ----------------------------

def _colour(page, selector: str, prop: str) -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector({json.dumps(selector)}))[{json.dumps(prop)}]")


def _var(page, name: str) -> str:
    return _rgb(page.evaluate(f"getComputedStyle(document.documentElement).getPropertyValue('{name}').trim()"))


ITEM = "GET /api/v1/projects/{id}"


def test_reach_badges_say_which_operations_were_reached_and_where_each_path_value_came_from(
        browser, shots, demo, run_conformance, pytester):
    html = pytester.path / "reach.html"
    outcome = run_conformance(demo("featbit"), "--conformance-param=id=999999", f"--conformance-html={html}")
    reach = outcome.report["summary"]["reach"]
    assert (reach["reached"], reach["operations"]) == (5, 6), reach
    page = browser.open(html.as_uri())
    assert page.evaluate("document.getElementById('reach').innerText").split() == "5 of 6 operations reached".split()
    # one badge per column, under its label; the one not reached differs by symbol, not only by colour
    badges = page.evaluate("""Array.from(document.querySelectorAll("th.op")).map(function (th) {
        var b = th.querySelector(".rb"), r = b.getBoundingClientRect(), t = th.getBoundingClientRect();
        return {op: th.title, no: b.classList.contains("r-no"), text: b.textContent, inside: r.left >= t.left &&
                r.right <= t.right && r.top >= t.top && r.bottom <= t.bottom, tip: b.title}; })""")
    assert [b["op"] for b in badges if b["no"]] == [ITEM] and all(b["inside"] for b in badges)
    assert {b["text"] for b in badges if b["no"]} == {"?"} and {b["text"] for b in badges if not b["no"]} == {""}
    tip = next(b["tip"] for b in badges if b["no"])
    assert tip.startswith(f"{ITEM}: NOT REACHED: ") and "id = 999999 (given with --conformance-param)" in tip
    assert re.search(r"^Answers: .*404 ×\d+", tip, re.M), tip
    assert ITEM in page.evaluate("document.getElementById('unreached').innerText")
    _no_sideways_scroll(page)
    page.screenshot(shots / "reach-1-header-and-badges.png")

    page.click(f'th.op .rb[data-reach="{ITEM}"]')
    panel = _panel(page)
    assert panel["open"] and ITEM in panel["text"] and "not reached" in panel["text"]
    assert "How to reach it:" in panel["text"]
    assert re.search(r"id\s+999999\s+user given with --conformance-param", panel["text"]), panel["text"]
    assert page.evaluate("decodeURIComponent(location.hash)") == f"#reach={ITEM}"
    page.screenshot(shots / "reach-2-not-reached.png")
    page.press("Escape")
    assert not _panel(page)["open"]

    page.click('th.op .rb[data-reach="PATCH /api/v1/projects/{id}"]')
    panel = _panel(page)
    assert "✓ reached" in panel["text"] and "How to reach it" not in panel["text"]
    assert re.search(r"id\s+\d+\s+created created by POST /api/v1/projects", panel["text"]), panel["text"]
    page.screenshot(shots / "reach-3-reached-created.png")
    page.press("Escape")

    page = browser.open(html.as_uri() + "#reach=" + quote(ITEM, safe=""))  # a link opens it too
    assert _panel(page)["open"] and "999999" in _panel(page)["text"]


def test_a_refused_credential_is_a_red_banner_at_the_very_top(browser, shots, demo, run_conformance, pytester):
    html = pytester.path / "refused.html"
    outcome = run_conformance(demo("featbit"), f"--conformance-html={html}", token="not-the-token", forbidden=None)
    assert outcome.report["summary"]["credential"]["status"] == "refused"
    page = browser.open(html.as_uri())
    banner = page.evaluate("""(function () { var b = document.getElementById("credential-refused"),
        r = b.getBoundingClientRect(); return {top: r.top, left: r.left, width: r.width, text: b.innerText,
        first: document.querySelector(".page").firstElementChild === b}; })()""")
    assert banner["top"] == 0 and banner["left"] == 0 and banner["first"] and banner["width"] >= WIDTH - 20
    assert banner["text"].startswith("CREDENTIAL REFUSED: the credential given (--conformance-token) was refused: ")
    assert _colour(page, "#credential-refused", "backgroundColor") == _var(page, "--fail")
    assert page.evaluate("document.getElementById('verdict').className") == "verdict failed"
    assert page.evaluate("document.title").startswith("Conformance FAILED")
    assert page.evaluate("document.querySelectorAll('th.op .rb.r-no').length") == 6
    assert "not-the-token" not in page.evaluate("document.documentElement.outerHTML")
    _no_sideways_scroll(page)
    page.screenshot(shots / "refused-1-banner.png")


def test_an_advisory_run_reads_as_passed_and_its_cells_are_muted(browser, shots, demo, run_conformance, pytester):
    html = pytester.path / "advisory.html"
    outcome = run_conformance(demo("featbit", faults={"cors.max-age"}), f"--conformance-html={html}")
    assert outcome.ret == 0 and outcome.status("cors.max-age") == "advisory"
    page = browser.open(html.as_uri())
    verdict = page.evaluate("""(function () { var v = document.getElementById("verdict");
        return {text: v.textContent, cls: v.className, color: getComputedStyle(v).color}; })()""")
    assert verdict == {"text": "✓ No rule failed, 1 advisory (the document's example)", "cls": "verdict passed",
                       "color": _var(page, "--pass")}
    assert page.evaluate("document.querySelectorAll('td.st-failed, .verdict.failed, #credential-refused').length") == 0
    page.click("label:has(> input[name=status][value=advisory])")
    assert _hidden(page, "tr.rule-row").count(False) == 1
    cell = 'td.st-advisory button.c.adv[data-open="cors.max-age"]'
    colours = {prop: _colour(page, cell, prop) for prop in ("color", "backgroundColor", "borderTopColor")}
    forbidden = {_var(page, name) for name in ("--fail", "--fail-bg", "--warn", "--warn-bg", "--crit")}
    assert not set(colours.values()) & forbidden, colours  # neither red nor the baseline's amber
    assert colours["color"] == _var(page, "--adv")
    assert "advisory: the document's example" in page.evaluate(f"document.querySelector({json.dumps(cell)}).title")
    assert _failures_in_view(page, "td.st-advisory button.c") == 6
    page.screenshot(shots / "advisory-1-report.png")
    page.click(cell)
    text = _panel(page)["text"]
    assert "advisory: the document's example; it does not fail the run" in text
    assert "Examples are not requirements: a value shown in an example informs, never binds" in text
    assert "Access-Control-Max-Age is 600; the document's example says 300" in text
    assert "accepted by the baseline" not in text
    page.screenshot(shots / "advisory-2-evidence.png")


@pytest.mark.skipif(not WIDE_SPEC.is_file(), reason="no real-world specs beside the repository")
def test_a_wide_api_shows_reach_in_the_operations_view(browser, shots, tmp_path):
    report = wide_report()
    labels = [label for rule in report["rules"][:1] for label in rule["operations"]]
    unreached = set(labels[10::9])
    report["summary"]["reach"] = {"reached": len(labels) - len(unreached), "operations": len(labels), "by_operation": {
        label: {"reached": label not in unreached, "statuses": {"404": 3} if label in unreached else {"200": 2},
                "values": [{"parameter": "id", "value": "1", "source": "invented", "how": "invented, not known to exist"}]
                if "{id}" in label else [], "hint": "no id known to exist: give one with --conformance-param id=VALUE"
                if label in unreached else ""} for label in labels}}
    path = tmp_path / "wide-reach.html"
    write_html(report, path)
    page = browser.open(path.as_uri())
    assert not page.evaluate("document.getElementById('ops-view').hidden")
    pills = page.evaluate("""Array.from(document.querySelectorAll("tr.op-row .rpill")).map(function (p) {
        var r = p.getBoundingClientRect(); return {op: p.dataset.reach, no: p.classList.contains("r-no"),
        text: p.textContent, right: r.right}; })""")
    assert len(pills) == len(labels) and {p["op"] for p in pills if p["no"]} == unreached
    assert {p["text"] for p in pills if p["no"]} == {"not reached"}
    assert all(p["right"] <= page.evaluate("document.documentElement.clientWidth") for p in pills)
    _no_sideways_scroll(page)
    assert page.evaluate("document.getElementById('reach').innerText").split()[:3] == \
        [str(len(labels) - len(unreached)), "of", str(len(labels))]
    page.screenshot(shots / "wide-reach-1-operations.png")
    first = sorted(unreached, key=lambda label: labels.index(label))[0]
    page.click(f'tr.op-row .rpill[data-reach="{first}"]')
    assert _panel(page)["open"] and first in _panel(page)["text"] and "How to reach it:" in _panel(page)["text"]
    page.screenshot(shots / "wide-reach-2-panel.png")


def test_the_coverage_of_the_document_lists_each_sentence_and_opens_its_rules_evidence(browser, shots, demo,
                                                                                      run_conformance, pytester):
    """A derived catalog (issue 21): the header counts the normative sentences checked; the coverage section lists
    each with its verdict, its rules' chips (a click opens the rule's evidence) or why none checks it."""
    from conformance.derive import derive

    _, text = derive([SHARED / "seeds" / "000_d9a06a46ed08e79c.txt"])
    catalog = pytester.path / "derived.yaml"
    catalog.write_text(text, encoding="utf-8")
    html = pytester.path / "coverage.html"
    outcome = run_conformance(demo("featbit", faults={"cors.vary-origin"}), f"--conformance-html={html}",
                              profile=str(catalog), examples=2)
    coverage = outcome.report["coverage"]
    page = browser.open(html.as_uri())
    stat = page.evaluate("document.querySelector('a.covstat').innerText")
    assert f"{coverage['checked']} of {coverage['sentences']}" in stat and "normative sentences checked" in stat
    page.click("a.covstat")
    page.settle()
    top = page.evaluate("document.getElementById('coverage').getBoundingClientRect().top")
    toolbar = page.evaluate("document.getElementById('toolbar').getBoundingClientRect().bottom")
    assert toolbar <= top < HEIGHT / 2  # the link brings the section into view, its heading below the toolbar
    rows = page.evaluate("Array.from(document.querySelectorAll('tr.cov-row')).map(function (r) { "
                         "return r.dataset.verdict; })")
    assert len(rows) == coverage["sentences"] and rows.count("failed") == 1 and "unchecked" in rows
    width = page.evaluate("document.getElementById('coverage').getBoundingClientRect().right")
    assert width <= WIDTH  # the section fits the window: no sideways scroll to read a sentence
    page.screenshot(shots / "coverage-1-section.png")
    page.click('#coverage button.rchip[data-open="cors.vary-origin"]')
    panel = _panel(page)
    assert panel["open"] and "Vary: Origin" in panel["text"]
    page.screenshot(shots / "coverage-2-evidence.png")
