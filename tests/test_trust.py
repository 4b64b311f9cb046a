"""Verdicts an API team can trust (issue 12): each false alarm that was fixed keeps a test named
``test_<rule>_no_false_positive_<case>`` against a loopback server that behaves like the real API did, and
the run never passes without a working credential."""

from __future__ import annotations

import json

import pytest

import servers
from independent.serving import LoopbackServer
from servers import inventory

from conformance.run import load_catalog
from conformance.rules import CHECKS


def drops_deletes(upstream: str):
    """In front of ``upstream``: every DELETE gets its connection closed without an answer (a crashed worker)."""
    forward = servers.forward_to(upstream)

    def behaviour(server, request, conn):
        if request.method == "DELETE":
            return servers.hangs_up(server, request, conn)
        return forward(server, request, conn)

    return behaviour


def test_dates_no_false_positive_transport_failure(demo, server, run_conformance):
    """A DELETE that got no answer once showed up as a failure of the dates rule. A missing answer is one
    finding, of server-errors.no-5xx; the rules that judge content skip it."""
    api = demo("basic-crud")
    proxy = server(drops_deletes(api.url))
    outcome = run_conformance(None, url=proxy.url, profile="basic-crud", token="demo:demo-password", forbidden=None,
                              examples=3)
    assert "server-errors.no-5xx" in outcome.failed, outcome.output()
    assert any(m.startswith("No response to DELETE") for m in outcome.messages("server-errors.no-5xx"))
    for rule in outcome.report["rules"]:
        if rule["id"] == "server-errors.no-5xx":
            continue
        assert not any("No response" in v["message"] for v in rule["violations"]), rule["id"]
        assert rule["id"] not in outcome.failed or rule["id"] in ("methods.delete-removes",), (rule["id"], rule)
    dates = outcome.rule("dates.iso8601-utc")["operations"]["DELETE /api/articles/{id}"]
    assert dates["status"] == "skipped" and "server-errors.no-5xx reports it" in dates["reason"], dates


def test_auth_forbidden_credentials_no_false_positive_read_only_token_reads(run_conformance, tmp_path):
    """A read-only token may read: its 200 on a GET is no finding; its 403 on writes is what the document asks."""
    app = inventory.Inventory()
    spec = tmp_path / "inventory.json"
    spec.write_text(json.dumps(inventory.spec(region_example="eu-west")))
    with LoopbackServer(app) as loopback:
        outcome = run_conformance(None, f"--conformance-spec={spec}", "-k", "forbidden", url=loopback.url,
                                  profile="featbit", token=inventory.TOKEN, forbidden=inventory.READ_ONLY)
    verdicts = outcome.rule("auth.forbidden-credentials")["operations"]
    assert outcome.status("auth.forbidden-credentials") == "passed", outcome.output()
    for operation, verdict in verdicts.items():
        if operation.startswith("GET"):
            assert verdict["status"] == "skipped" and "may GET here (answered 200)" in verdict["reason"], verdict
        else:
            assert verdict["status"] == "passed", (operation, verdict)


def test_auth_forbidden_credentials_no_false_positive_unknown_parent(run_conformance, tmp_path):
    """The read-only token sent where no region was found gets 404: an answer about the path, not the token."""
    app = inventory.Inventory()
    spec = tmp_path / "inventory.json"
    spec.write_text(json.dumps(inventory.spec()))
    with LoopbackServer(app) as loopback:
        outcome = run_conformance(None, f"--conformance-spec={spec}", "-k", "forbidden", url=loopback.url,
                                  profile="featbit", token=inventory.TOKEN, forbidden=inventory.READ_ONLY)
    assert "auth.forbidden-credentials" not in outcome.failed, outcome.output()
    for verdict in outcome.rule("auth.forbidden-credentials")["operations"].values():
        assert verdict["status"] == "skipped" and "never reached" in verdict["reason"], verdict


def test_a_read_only_token_that_may_write_is_the_critical_finding(demo, run_conformance):
    """Where the catalog says the forbidden credential must be refused (writes), a 2xx is a violation."""
    api = demo("connectnow")
    outcome = run_conformance(api, "-k", "forbidden", forbidden=api.token)  # the full token as the "read-only" one
    assert outcome.status("auth.forbidden-credentials") == "failed", outcome.output()
    messages = outcome.messages("auth.forbidden-credentials")
    assert any("was accepted on POST with 201; the catalog says it must be refused there" in m for m in messages)
    assert all(v["critical"] for v in outcome.rule("auth.forbidden-credentials")["violations"])


def test_no_credential_where_the_profile_needs_one_stops_the_run(demo, run_conformance):
    """Forgetting the token once gave a green run while the API answered 401 to everything."""
    outcome = run_conformance(demo("featbit"), token=None)
    assert outcome.ret == 4
    text = outcome.output()
    assert "No credential was given" in text and "--conformance-token" in text and "CONFORMANCE_TOKEN" in text
    assert "Traceback" not in text


def test_a_refused_credential_is_one_finding_and_nothing_that_needs_it_passes(demo, run_conformance):
    """A wrong token once gave five auth.valid-credentials failures and passed everything else."""
    outcome = run_conformance(demo("featbit"), token="not-the-token")
    catalog = load_catalog("featbit")
    assert outcome.ret == 1
    text = outcome.output()
    summary_lines = text.split(" conformance =")[1].split("\n", 1)[1].strip().splitlines()
    assert summary_lines[0].startswith("CREDENTIAL REFUSED: the credential given (--conformance-token) was refused: GET "), summary_lines[0]
    assert "sent in the header Authorization" in summary_lines[0]
    # it leads: said before pytest lists the failures it explains, and the unreached operations' hints name it
    assert text.index("CREDENTIAL REFUSED") < text.index("= FAILURES =") < text.index(" conformance =")
    hints = [entry["hint"] for entry in outcome.report["summary"]["reach"]["by_operation"].values() if not entry["reached"]]
    assert hints and all("check --conformance-token" in hint for hint in hints), hints
    assert outcome.report["summary"]["credential"]["status"] == "refused"
    assert outcome.failed == {"auth.valid-credentials"}, outcome.failed
    assert "profile featbit: 1 rule failed, " in text, text  # one rule: not "1 rules"
    failed_cells = [op for op, v in outcome.rule("auth.valid-credentials")["operations"].items() if v["status"] == "failed"]
    assert len(failed_cells) == 1, failed_cells
    judged_anyway = set()
    for rule in outcome.report["rules"]:  # what needs the credential is not judged, never passed
        check = CHECKS[catalog.rule(rule["id"]).check]
        for operation, verdict in rule["operations"].items():
            if verdict["status"] == "not-applicable" or check.kind == "static":
                continue
            if check.needs_credential:
                assert verdict["status"] == "skipped", (rule["id"], operation, verdict)
                assert "the valid credential" in verdict["reason"] and ("was refused" in verdict["reason"] or
                                                                        "not accepted" in verdict["reason"]), verdict
            elif verdict["status"] == "passed":
                judged_anyway.add(rule["id"])
    # what holds whatever the credential is still judged on the answers it got (the 401s among them)
    assert {"content-type.json-response", "errors.envelope", "auth.challenge"} <= judged_anyway, judged_anyway


def _html_unless_json_is_asked(request):
    """A framework's default: HTML unless the client asks for JSON (as curl and browsers do not)."""
    from werkzeug.wrappers import Response

    if "application/json" in request.headers.get("Accept", ""):
        return Response(json.dumps([{"id": 1}]), mimetype="application/json")
    return Response("<ul><li>1</li></ul>", mimetype="text/html")


@pytest.mark.parametrize(("profile", "judged"), [("featbit", True), ("connectnow", False)])
def test_json_everywhere_holds_for_clients_that_send_no_accept(profile, judged, run_conformance, tmp_path):
    """"You always get a response with a Content-Type header set to application/json" holds for any client: the
    valid GET is sent without Accept and with */* too, except where the profile requires clients to send
    Accept: application/json (ConnectNow)."""
    from werkzeug.wrappers import Request

    def app(environ, start_response):
        return _html_unless_json_is_asked(Request(environ))(environ, start_response)

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {
        "/items": {"get": {"security": [], "responses": {"200": {"description": "items"}}}}}}))
    with LoopbackServer(app) as server:
        outcome = run_conformance(None, f"--conformance-spec={spec}", "-k", "json-response", url=server.url,
                                  profile=profile, token="t", forbidden=None)
    if judged:
        assert outcome.status("content-type.json-response") == "failed", outcome.output()
        messages = outcome.messages("content-type.json-response")
        assert any("Content-Type is 'text/html; charset=utf-8' on a 200 response (request sent without an Accept header)" in m
                   for m in messages), messages
        assert any("(request sent with Accept: */*)" in m for m in messages), messages
    else:
        assert outcome.status("content-type.json-response") == "passed", outcome.output()
