"""A gate a team can rely on for reach: --conformance-min-reach fails a run that reached too few operations,
lists the unreached ones with why, and --conformance-reach-exclude leaves out what the user chose to."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from independent.serving import LoopbackServer

JSON_OK = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
# Three reads: a list, an item only the user could name (its ids are never listed), and one that always fails.
SPEC = {
    "openapi": "3.0.3", "info": {"title": "notes", "version": "1"},
    "paths": {
        "/notes": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "array", "items": {"type": "object"}}}}}}}},
        "/secrets/{code}": {"get": {"parameters": [{"name": "code", "in": "path", "required": True,
                                                    "schema": {"type": "string"}}],
                                    "responses": {"200": JSON_OK, "404": JSON_OK}}},
        "/status": {"get": {"responses": {"200": JSON_OK, "503": JSON_OK}}},
    },
}


def app(environ: dict[str, Any], start_response: Any) -> Any:
    request = Request(environ)
    if request.path == "/notes":
        response = Response(json.dumps([{"id": 1, "text": "hi"}]), mimetype="application/json")
    elif request.path == "/secrets/s3cr3t-code":
        response = Response(json.dumps({"code": "s3cr3t-code"}), mimetype="application/json")
    elif request.path == "/status":
        response = Response(json.dumps({"status": "maintenance"}), status=503, mimetype="application/json")
    else:
        response = Response(json.dumps({"error": "not found"}), status=404, mimetype="application/json")
    return response(environ, start_response)


@pytest.fixture(scope="module")
def server():
    with LoopbackServer(app) as running:
        yield running


def run(run_conformance, tmp_path, server, *args: str):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    return run_conformance(None, f"--conformance-spec={spec}", *args, url=server.url, profile="http", token=None,
                           forbidden=None)


def test_a_run_below_the_minimum_reach_fails_listing_the_unreached_operations(run_conformance, tmp_path, server):
    plain = run(run_conformance, tmp_path, server)
    assert plain.ret == 0, plain.output()  # without the gate, the rules alone pass
    assert "reached 1 of 3 operations (2 not reached: no rule judged them beyond what their errors show)" \
        in plain.output()
    html = tmp_path / "report.html"
    gated = run(run_conformance, tmp_path, server, "--conformance-min-reach=50", f"--conformance-html={html}")
    assert gated.ret == 1, gated.output()
    text = gated.output()
    assert ("REACH BELOW THE MINIMUM: 1 of 3 operations reached (33.3%); --conformance-min-reach asks for 50%, so "
            "the run fails.") in text
    assert "UNREACHED GET /secrets/{code}: no code known to exist" in text
    assert "UNREACHED GET /status:" in text
    gate = gated.report["summary"]["reach"]["gate"]
    assert gate["passed"] is False and gated.report["summary"]["verdict"] == "failed"
    assert [u["operation"] for u in gate["unreached"]] == ["GET /secrets/{code}", "GET /status"]
    page = html.read_text()
    assert 'id="reach-gate"' in page and "✗ Reach below the minimum: 1 of 3 operations" in page


def test_the_strict_form_counts_what_the_user_did_not_exclude_and_a_given_id_reaches_it(run_conformance, tmp_path,
                                                                                       server):
    strict = run(run_conformance, tmp_path, server, "--conformance-min-reach=100",
                 "--conformance-param=code=s3cr3t-code", "--conformance-reach-exclude=GET /status")
    assert strict.ret == 0, strict.output()
    gate = strict.report["summary"]["reach"]["gate"]
    assert gate == {**gate, "reached": 2, "operations": 2, "excluded": 1, "passed": True}
    unexcluded = run(run_conformance, tmp_path, server, "--conformance-min-reach=100",
                     "--conformance-param=code=s3cr3t-code")
    assert unexcluded.ret == 1 and "UNREACHED GET /status:" in unexcluded.output()


def test_min_reach_takes_a_percent(pytester):
    result = pytester.runpytest("--conformance-url=http://127.0.0.1:9", "--conformance-profile=http",
                                "--conformance-min-reach=eighty")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: --conformance-min-reach takes a percent from 0 to 100 (e.g. 80); got "
                                 "'eighty' (from the command line)."])
