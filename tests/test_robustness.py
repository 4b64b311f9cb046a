"""Faults of the API under test: each run ends in bounded time, fails (never passes by accident), and
says what went wrong in one sentence, with no traceback.

Every test starts a real misbehaving server on 127.0.0.1 (tests/servers). The wall-clock bounds are
hang guards, not performance targets.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

import schemathesis.specs.openapi.schemas  # noqa: F401  (loaded once here, not again in every pytester run)
import servers
from servers import after

HANG_GUARD = 60.0  # seconds; a run that takes longer has hung




@pytest.fixture
def run_against(run_conformance, tmp_path):
    """Run the plugin (featbit profile, token 't') against a URL with the small spec from a file."""
    spec = servers.write_spec(tmp_path)

    def run(url: str, *args: str, spec_option: bool = True):
        started = time.monotonic()
        extra = [f"--conformance-spec={spec}"] if spec_option else []
        outcome = run_conformance(None, *extra, "--conformance-timeout=1", *args, url=url, profile="featbit",
                                  token="t", forbidden=None, examples=2)
        outcome.elapsed = time.monotonic() - started
        return outcome

    return run


def assert_clean_failure(outcome, *, usage: bool = False) -> str:
    """Bounded, non-zero, no traceback; returns the output for the caller's own assertions."""
    text = outcome.output()
    assert outcome.elapsed < HANG_GUARD, f"took {outcome.elapsed:.0f} s"
    assert "Traceback" not in text, text
    assert "INTERNALERROR" not in text, text
    if usage:
        assert outcome.ret == 4, text
    else:
        assert outcome.ret == 1, text
        assert outcome.failed, "a broken API must fail rules, not pass or skip them"
    return text


def violation_messages(outcome) -> list[str]:
    return [v["message"] for rule in outcome.report["rules"] for v in rule["violations"]]


# -- the API cannot be used at all: exit 4 with one sentence --------------------------------------

def test_connection_refused(run_against):
    outcome = run_against(f"http://127.0.0.1:{servers.closed_port()}")
    text = assert_clean_failure(outcome, usage=True)
    assert "cannot be reached" in text and "start the API or fix --conformance-url" in text


def test_accepts_and_never_answers(server, run_against):
    srv = server(servers.never_answers)
    outcome = run_against(srv.url)
    text = assert_clean_failure(outcome, usage=True)
    assert "did not answer within 1 s" in text


def test_https_asked_of_a_plain_http_port(server, run_against):
    srv = server(servers.good)
    outcome = run_against(srv.url.replace("http://", "https://"))
    text = assert_clean_failure(outcome, usage=True)
    assert "does not speak HTTPS: use http://" in text


def test_spec_discovery_on_a_redirect_loop(server, run_against):
    srv = server(servers.redirect_loop)
    outcome = run_against(srv.url, spec_option=False)
    text = assert_clean_failure(outcome, usage=True)
    assert "No OpenAPI description found" in text
    assert len(srv.log) < 30  # one request per place looked at: redirects are not followed


# -- the API breaks during the run: rules fail with the reason -------------------------------------

FAULTS = {
    # name: (behaviour, a fragment of the finding)
    "dies-mid-run": (after(3, servers.dies), ("connection failed", "not sent: the API stopped answering")),
    "stops-answering": (after(2, servers.never_answers), ("within 1 s (--conformance-timeout)",)),
    "dribbles-the-body": (after(1, servers.dribbles), ("within 1 s (--conformance-timeout)",)),
    "dribbles-the-headers": (after(1, servers.dribbles_headers), ("no complete response within 1 s",)),
    "closes-mid-body": (after(1, servers.short_body), ("the connection broke while reading the body",)),
    "hangs-up-without-a-word": (after(1, servers.hangs_up), ("the connection failed",)),
    "answers-not-http": (after(1, servers.not_http), ("the connection failed",)),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_during_the_run(fault, server, run_against):
    behaviour, fragments = FAULTS[fault]
    srv = server(behaviour)
    outcome = run_against(srv.url)
    text = assert_clean_failure(outcome)
    messages = violation_messages(outcome)
    assert any(f in m for m in messages for f in fragments), messages
    assert any(f in text for f in fragments)


def test_a_dead_api_is_not_asked_forever(server, run_against):
    """After a few requests in a row get no answer, the rest fail at once (the run stays short)."""
    srv = server(after(1, servers.never_answers))
    outcome = run_against(srv.url, "--conformance-max-examples=10")
    assert_clean_failure(outcome)
    assert outcome.report["summary"]["requests"] < 12, outcome.report["summary"]
    assert any("not sent: the API stopped answering" in m for m in violation_messages(outcome))


@pytest.mark.parametrize("behaviour", [servers.not_json, servers.not_utf8], ids=["not-json", "not-utf8"])
def test_body_that_is_not_json(behaviour, server, run_against):
    srv = server(after(1, behaviour))
    outcome = run_against(srv.url)
    assert_clean_failure(outcome)
    messages = violation_messages(outcome)
    assert any("JSON" in m or "deserialize" in m for m in messages), messages


def test_very_large_body_is_read_only_up_to_the_limit(server, run_against):
    from conformance.transport.sender import MAX_BODY

    srv = server(after(1, servers.huge))
    outcome = run_against(srv.url)
    assert_clean_failure(outcome)
    assert servers.HUGE > 4 * MAX_BODY
    report = json.dumps(outcome.report)
    assert len(report) < MAX_BODY  # excerpts, never the whole body
    assert any("JSON" in m or "truncated" in m or "larger" in m for m in violation_messages(outcome))


def test_malformed_headers_are_no_crash(server, run_against):
    srv = server(after(1, servers.bad_headers))
    outcome = run_against(srv.url)
    text = assert_clean_failure(outcome)  # fails for the missing CORS headers, not for a crash
    assert "Failed to parse headers" not in text


def test_redirect_loop_is_not_followed(server, run_against):
    srv = server(after(1, servers.redirect_loop))
    outcome = run_against(srv.url)
    assert_clean_failure(outcome)
    assert any("302" in m for m in violation_messages(outcome))
    assert outcome.report["summary"]["requests"] == len(srv.log)  # one answer per request: none followed


# -- safety: never harm the API under test -----------------------------------------------------------

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def test_read_only_sends_no_write(demo, run_conformance):
    api = demo("featbit")
    outcome = run_conformance(api, "--conformance-read-only", examples=3)
    methods = {method for method, _ in api.requests}
    assert methods and not methods & WRITES, api.requests
    assert "GET" in methods
    assert "Traceback" not in outcome.output()


def test_max_requests_is_a_budget_for_the_whole_run(demo, run_conformance):
    api = demo("featbit")
    outcome = run_conformance(api, "--conformance-max-requests=7", examples=5)
    assert 0 < len(api.requests) <= 7, api.requests  # the reachability check and spec discovery included
    assert outcome.report["summary"]["requests"] == len(api.requests)
    reasons = [r.get("reason", "") for rule in outcome.report["rules"] for r in rule["operations"].values()]
    assert any("--conformance-max-requests=7" in reason for reason in reasons)


def template(request: servers.Received) -> str:
    """The operation a request is for (ids collapsed), so each is throttled once."""
    import re

    return re.sub(r"^(/api/v1/projects)/[^/?]+", r"\1/{id}", request.path.split("?")[0])


def test_max_rps_spaces_the_requests(demo, server, run_conformance):
    rate, budget = 10.0, 20
    proxy = server(servers.forward_to(demo("featbit").url))
    run_conformance(None, f"--conformance-max-rps={rate:g}", f"--conformance-max-requests={budget}",
                    url=proxy.url, profile="featbit", token="demo-token", forbidden="demo-readonly", examples=3)
    times = [r.at for r in proxy.log]
    assert len(times) == budget
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert times[-1] - times[0] >= 0.9 * (budget - 1) / rate, gaps  # the overall rate keeps the cap
    assert sorted(gaps)[len(gaps) // 10] >= 0.6 / rate, gaps  # and no burst (jitter tolerated)


def same_request(a: servers.Received, b: servers.Received) -> bool:
    """The retry of a request: the same request again (each carries its own random Origin)."""
    return (a.method, a.path, a.headers.get("origin"), a.body) == (b.method, b.path, b.headers.get("origin"), b.body)


CONCURRENCY = 8


def test_429_is_waited_out_and_not_held_against_other_rules(demo, server, run_conformance):
    """A 429 pauses every request of the process for its Retry-After, not only the throttled one: what still
    arrives during the pause was already in flight when the 429 came (at most CONCURRENCY - 1 requests)."""
    api = demo("featbit")
    proxy = server(servers.forward_to(api.url, before=servers.throttle_first("1", key=template)))
    outcome = run_conformance(None, f"--conformance-concurrency={CONCURRENCY}", url=proxy.url, profile="featbit",
                              token="demo-token", forbidden="demo-readonly", examples=2)
    assert outcome.failed == set(), outcome.output()
    assert outcome.ret == 0
    throttled = proxy.state["throttled_at"]
    assert len(throttled) >= 3
    for number in throttled:
        first = proxy.log[number]
        retry = next(r for r in proxy.log[number + 1:] if same_request(r, first))
        assert retry.at - first.at >= 0.9, (first.path, retry.at - first.at)
        # What arrives during the pause was in flight when the client read the 429: at most CONCURRENCY - 1
        # requests, plus those admitted while the 429's answer was still on its way to the client (a loaded
        # machine reads it late). Without a pause for the whole process, the run sends well over 100 a second.
        during = [r for r in proxy.log[number + 1:] if r.at < first.at + 0.9]
        assert len(during) <= 2 * CONCURRENCY, [(r.method, r.path, round(r.at - first.at, 3)) for r in during]


def test_retry_after_beyond_the_cap_is_capped(demo, server, run_conformance):
    api = demo("featbit")
    proxy = server(servers.forward_to(api.url, before=servers.throttle_first("3600", key=template)))
    started = time.monotonic()
    outcome = run_conformance(None, "--conformance-retry-after-cap=0.5", url=proxy.url, profile="featbit",
                              token="demo-token", forbidden="demo-readonly", examples=2)
    assert time.monotonic() - started < HANG_GUARD
    assert outcome.failed == set(), outcome.output()
    for number in proxy.state["throttled_at"]:
        first = proxy.log[number]
        retry = next(r for r in proxy.log[number + 1:] if same_request(r, first))
        assert 0.45 <= retry.at - first.at < 10, (first.path, retry.at - first.at)


def test_an_api_that_throttles_everything_is_not_waited_out_forever(server, run_against):
    def always_429(srv, request, conn):
        servers.respond(conn, 429, {"code": 429, "message": "slow down"}, headers={"Retry-After": "1"})

    srv = server(always_429)
    outcome = run_against(srv.url, "--conformance-max-examples=6", "--conformance-retry-after-cap=0.5")
    text = outcome.output()
    assert "Traceback" not in text and "INTERNALERROR" not in text
    sent = outcome.report["summary"]["requests"]
    # Waiting out every 429 (twice, 0.5 s each) would take 1 s a request; after three such requests, no more waits.
    assert sent >= 10 and outcome.elapsed < sent, (sent, outcome.elapsed)


def test_a_run_that_judged_nothing_does_not_pass(demo, run_conformance):
    outcome = run_conformance(demo("featbit"), "--conformance-max-requests=2", examples=2)
    summary = outcome.report["summary"]
    # (a rule judged on the spec alone may pass: it says nothing about the API)
    assert summary["failed"] == summary["new_failures"] == 0 and summary["verdict"] == "failed"
    assert outcome.ret != 0
    assert "No rule could judge the API itself" in outcome.output()


# -- the transport itself, without pytest in between ---------------------------------------------------

def _get(url: str):
    from conformance.models import Request

    return Request("GET", url + "/items", {"Authorization": "t"})


def test_transport_reads_at_most_max_body(server):
    from conformance.transport import Transport
    from conformance.transport.sender import MAX_BODY

    srv = server(servers.huge)
    exchange = Transport(timeout=5).send(_get(srv.url), kind="generated")
    assert exchange.response is not None and exchange.response.truncated
    assert len(exchange.response.body) == MAX_BODY


@pytest.mark.parametrize("behaviour", [servers.dribbles, servers.dribbles_headers, servers.never_answers],
                         ids=["body", "headers", "silence"])
def test_transport_bounds_the_whole_answer(server, behaviour):
    from conformance.transport import Transport

    srv = server(behaviour)
    started = time.monotonic()
    exchange = Transport(timeout=1).send(_get(srv.url), kind="generated")
    assert time.monotonic() - started < 3
    assert exchange.response is None and "within 1 s (--conformance-timeout)" in exchange.error


@pytest.mark.parametrize("behaviour", [servers.dribbles, servers.dribbles_headers], ids=["body", "headers"])
def test_setup_requests_are_bounded_too(server, behaviour):
    """The reachability check and spec discovery use the same session: a dribbling server cannot stall them."""
    import requests

    from conformance.transport import Transport

    srv = server(behaviour)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        Transport(timeout=1).session.get(srv.url + "/openapi.json", timeout=1)
    assert time.monotonic() - started < 3


def test_the_session_keeps_the_limits_for_every_request(server):
    import requests

    from conformance.transport import RequestRefused, Transport

    srv = server(servers.good)
    transport = Transport(timeout=2, max_requests=2, read_only=True)
    with pytest.raises(RequestRefused, match="read-only"):
        transport.session.post(srv.url + "/items", json={}, timeout=2)
    transport.session.get(srv.url, timeout=2)
    transport.session.get(srv.url, timeout=2)
    with pytest.raises(requests.RequestException, match="max-requests=2"):
        transport.session.get(srv.url, timeout=2)
    assert transport.sent == 2 and len(srv.log) == 2 and srv.methods == ["GET", "GET"]


def test_max_requests_holds_for_the_whole_run_under_xdist(demo, run_conformance):
    api = demo("featbit")
    run_conformance(api, "-n", "2", "--conformance-max-requests=12", examples=5)
    # Each process makes its own two set-up requests (reachability, spec) within its share; the
    # controller's two set-up requests are the only ones on top of the budget.
    assert len(api.requests) <= 12 + 2, api.requests


def test_a_short_deadline_fires_while_a_longer_one_waits(server):
    """All watchdogs share one clock thread: a request with a short timeout is cut at its own deadline even
    when a request with a longer one is still pending (the clock wakes up for the earlier deadline)."""
    from conformance.transport import Transport

    slow = server(servers.never_answers)
    other = threading.Thread(target=Transport(timeout=6).send, args=(_get(slow.url),), kwargs={"kind": "generated"},
                             daemon=True)
    other.start()
    time.sleep(0.3)  # the 6 s deadline is in the clock first
    started = time.monotonic()
    exchange = Transport(timeout=1).send(_get(server(servers.dribbles_headers).url), kind="generated")
    assert time.monotonic() - started < 3
    assert exchange.response is None and "within 1 s (--conformance-timeout)" in exchange.error


BROKEN_CHECK = '''
import dataclasses

from conformance.rules import CHECKS

_kept = CHECKS["errors.envelope"]


def _broken(ctx, exchange):
    raise KeyError("id")


def pytest_collection_finish(session):
    CHECKS["errors.envelope"] = dataclasses.replace(_kept, judge=_broken)


def pytest_sessionfinish(session):
    CHECKS["errors.envelope"] = _kept
'''


def test_a_rule_the_tool_fails_to_judge_fails_the_run_in_every_report(demo, run_conformance, pytester):
    """A bug in a check is not a finding about the API, and never a silent "not run": the JSON verdict fails
    with the exit status, and the cell says the tool failed and what it raised."""
    pytester.makeconftest(BROKEN_CHECK)
    html = pytester.path / "r.html"
    outcome = run_conformance(demo("featbit"), f"--conformance-html={html}")
    assert outcome.ret == 1
    summary = outcome.report["summary"]
    assert summary["verdict"] == "failed" and summary["failed"] == 0, summary
    assert summary["errors"] and {e["rule"] for e in summary["errors"]} == {"errors.envelope", "errors.envelope-example"}
    cells = outcome.rule("errors.envelope")["operations"].values()
    reasons = {c["reason"] for c in cells if c["status"] == "skipped" and "tool failed" in c["reason"]}
    assert reasons == {"not judged: the tool failed (KeyError: 'id'); a bug in conformance, not a finding about the "
                       "API: please report it"}, reasons
    assert '<div class="verdict failed" role="status" id="verdict">✗ Failed: the tool could not judge ' in html.read_text()
