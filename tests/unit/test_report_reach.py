"""Reach and the credential in the HTML report: the figure at the top, a badge per operation in both views (its
path values and where each came from, the hint for an operation never reached), and a red banner at the very
top when the API refused the credential (the page is then never green)."""

from __future__ import annotations

import json
import re
from html import unescape

from conformance.report.html_report import render_html

from test_report_views import CREATE, HEALTH, LIST, sample_report

ITEM = "GET /api/v1/projects/{id}"
HINT = "no id known to exist: give one with --conformance-param id=VALUE"


def _reach(*, reached_item: bool = False) -> dict:
    entry = {"reached": True, "statuses": {"200": 3, "401": 2}, "values": [], "hint": ""}
    return {"reached": 3 + reached_item, "operations": 4, "by_operation": {
        HEALTH: dict(entry), LIST: dict(entry), CREATE: {**entry, "statuses": {"201": 2, "415": 1}},
        ITEM: {"reached": reached_item, "statuses": {"200": 1} if reached_item else {"404": 5, "401": 2},
               "values": [{"parameter": "id", "value": "987654321", "source": "unknown",
                           "how": "an id that does not exist (GET /api/v1/projects listed none)"}],
               "hint": "" if reached_item else HINT}}}


def _report(**kwargs) -> dict:
    report = sample_report()
    report["rules"][0]["operations"][ITEM] = {"status": "passed", "reason": "", "violation_count": 0}
    report["summary"].update(operations=4, reach=_reach(**kwargs), credential={
        "status": "accepted", "operation": LIST, "answered": 200, "channel": "in the header Authorization",
        "message": ""})
    return report


def _badges(html: str) -> dict[str, tuple[str, str]]:
    """The matrix column headers' reach badges: operation -> (class, tooltip)."""
    found = re.findall(r'<th class="op" scope="col" data-col="\d+" title="([^"]+)"[^>]*>.*?'
                       r'<button type="button" class="rb (r-yes|r-no)" data-reach="\1" title="([^"]*)"', html)
    return {unescape(label): (kind, unescape(tip)) for label, kind, tip in found}


def test_the_reach_figure_is_at_the_top():
    html = unescape(render_html(_report()))
    stat = re.search(r'<div class="stat reach partial" id="reach" title="reached 3 of 4 operations: a valid request '
                     r'got a 2xx, or the redirect the spec documents as its answer"><b>3 of 4</b><span>operations reached</span></div>', html)
    assert stat, "the reach figure"
    assert html.index('id="reach"') < html.index('id="toolbar"')
    box = re.search(r'<div class="baseline reachbox" id="unreached">(.*?)</div>', html, re.S).group(1)
    assert "Reached 3 of 4 operations" in box and "Not reached (1)" in box
    assert f'data-reach="{ITEM}"><code>{ITEM}</code></button>: {HINT}' in box
    everything = unescape(render_html(_report(reached_item=True)))
    assert 'id="unreached"' not in everything and "<b>4 of 4</b>" in everything
    assert '<div class="stat reach" id="reach"' in everything


def test_each_operation_column_has_a_reach_badge_with_its_values_and_hint():
    html = render_html(_report())
    badges = _badges(html)
    assert set(badges) == {HEALTH, LIST, CREATE, ITEM}
    assert {label for label, (kind, _) in badges.items() if kind == "r-no"} == {ITEM}
    kind, tip = badges[ITEM]
    assert tip.startswith(f"{ITEM}: NOT REACHED: {HINT}")
    assert "Path values: id = 987654321 (an id that does not exist (GET /api/v1/projects listed none))" in tip
    assert "Answers: 401 ×2, 404 ×5" in tip
    assert badges[CREATE][1].startswith(f"{CREATE}: reached: a valid request got 201")
    data = json.loads(re.search(r'<script type="application/json" id="reach-data">(.*?)</script>', html, re.S).group(1))
    assert data[ITEM]["values"][0]["source"] == "unknown" and data[ITEM]["hint"] == HINT
    assert '<span><i class="rb r-no" aria-hidden="true">?</i>not reached: click it for why</span>' in html


def test_the_operations_view_rows_carry_the_badge_too():
    report = _report()
    labels = [f"GET /api/v1/things{k}" for k in range(12)]
    for rule in report["rules"]:
        rule["operations"] = {label: {"status": "passed", "reason": "", "violation_count": 0} for label in labels}
    report["summary"]["reach"] = {"reached": 11, "operations": 12, "by_operation": {
        label: {"reached": k != 5, "statuses": {"200": 1} if k != 5 else {"404": 2}, "values": [],
                "hint": "" if k != 5 else HINT} for k, label in enumerate(labels)}}
    html = unescape(render_html(report))
    pills = re.findall(r'<tr class="op-row" data-col="\d+" data-label="[^"]+">\s*<th scope="row" class="op-name" '
                       r'title="([^"]+)">.*?<button type="button" class="rpill (r-yes|r-no)" data-reach="\1" '
                       r'title="([^"]*)">([^<]+)</button>', html, re.S)
    assert len(pills) == 12
    assert [(label, kind, text) for label, kind, _, text in pills if kind == "r-no"] == \
        [(labels[5], "r-no", "not reached")]
    assert all(text == "reached" for _, kind, _, text in pills if kind == "r-yes")
    assert next(tip for label, _, tip, _ in pills if label == labels[5]).startswith(f"{labels[5]}: NOT REACHED: {HINT}")


def test_a_report_without_reach_has_no_badges():
    html = render_html(sample_report())
    assert 'class="rb' not in html and 'id="reach"' not in html and "<span>operations</span>" in html


def test_a_refused_credential_is_a_red_banner_at_the_very_top():
    report = _report()
    message = "the credential given (--conformance-token) was refused: GET /api/v1/projects answered 401 to it, sent in the header Authorization"
    report["summary"]["credential"] = {"status": "refused", "operation": LIST, "answered": 401,
                                       "channel": "in the header Authorization", "message": message}
    report["rules"] = [r for r in report["rules"] if r["status"] != "failed"]  # nothing failed: still not green
    report["summary"].update(verdict="passed", failed=0)
    html = unescape(render_html(report))
    body = html[html.index("<body"):]
    first = re.search(r'<div class="page">\s*(<[^>]+>)', body).group(1)
    assert first == '<div class="refused pin" role="alert" id="credential-refused">'
    assert f"CREDENTIAL REFUSED:</b> {message}. Every rule that needs it was not judged" in body
    assert '<div class="verdict failed" role="status" id="verdict">✗ Credential refused</div>' in html
    assert "<title>Conformance FAILED" in html
    assert '<dd id="credential" class="cred-refused"' in html


def test_an_accepted_credential_has_no_banner():
    html = unescape(render_html(_report()))
    assert 'id="credential-refused"' not in html and "CREDENTIAL REFUSED" not in html
    assert re.search(r'<dd id="credential" title="accepted">accepted, in the header Authorization</dd>', html)
