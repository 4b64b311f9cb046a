"""ConnectNow's example page is the format a frontend is built on: a page whose arithmetic or links are off breaks
the document and fails the run (the structure of the example binds); a page that keeps them passes. PUT replaces
(RFC 9110 §9.3.4, ConnectNow's "standard CRUD and REST API principles, using ... PUT for updates"): a PUT that
merges like a PATCH fails. The real plugin against an independent server (tests/independent/connectnow_ledger.py,
the standard library's http.server, written unlike the demo)."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import pytest
import requests

from independent.connectnow_ledger import SPEC, TOKEN, Ledger, LedgerServer

PAGINATION = ("pagination.fields", "pagination.page-arithmetic", "pagination.links", "pagination.no-duplicates")


@pytest.fixture
def ledger(run_conformance, pytester) -> Iterator[Callable[..., Any]]:
    """``ledger(faults, *pytest_args)``: start the ledger with those faults, run the plugin against it (profile
    connectnow), return the Outcome."""
    started: list[LedgerServer] = []
    spec = pytester.path / "ledger.openapi.json"
    spec.write_text(json.dumps(SPEC))

    def run(faults: set[str] = frozenset(), *args: str) -> Any:
        server = LedgerServer(Ledger(faults=set(faults))).start()
        started.append(server)
        return run_conformance(None, f"--conformance-spec={spec}", *args, url=server.url, profile="connectnow",
                               token=TOKEN, forbidden=None)

    yield run
    for server in started:
        server.stop()


def test_the_ledger_pages_as_the_document_shows():
    """The server itself, without the plugin: 23 invoices, ten a page, the page past the last a 404."""
    with LedgerServer(Ledger()) as server:
        auth = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        pages = [requests.get(f"{server.url}/api/invoices", params={"page": n}, headers=auth, timeout=5)
                 for n in (1, 2, 3, 4)]
        assert [p.status_code for p in pages] == [200, 200, 200, 404]
        third = pages[2].json()
        assert (third["current_page"], third["from"], third["to"], len(third["data"])) == (3, 21, 23, 3)
        assert third["next_page_url"] is None and third["prev_page_url"].endswith("?page=2")
        assert requests.get(f"{server.url}/api/invoices", timeout=5).status_code == 401


def test_a_ledger_that_keeps_the_example_page_passes_the_pagination_rules(ledger):
    outcome = ledger(set(), "-k", "pagination")
    assert outcome.ret == 0, outcome.output()
    assert {rule: outcome.status(rule) for rule in PAGINATION} == dict.fromkeys(PAGINATION, "passed")
    for rule in ("pagination.fields", "pagination.page-arithmetic", "pagination.links"):
        assert outcome.rule(rule)["basis"] == "example-structure"


# fault -> (the rule that fails, a piece of its message)
PAGE_FAULTS = {
    "to-off-by-one": ("pagination.page-arithmetic", "page 1: 'to' is 11; expected 10 (from 1 + 10 items - 1)"),
    "from-wrong": ("pagination.page-arithmetic", "page 2: 'from' is 10; expected 11 ((page 2 - 1) x per_page 10 + 1)"),
    "current-page-wrong": ("pagination.page-arithmetic", "page 2: current_page is 1; expected 2 (the page asked for)"),
    "over-per-page": ("pagination.page-arithmetic", "page 1: data holds 11 items but per_page is 10"),
    "next-past-last": ("pagination.links", "page 3: next_page_url is \"http://127.0.0.1:{port}/api/invoices?page=4\", "
                                           "which points at page 4, past the last page (page 4 answered 404); "
                                           "expected null"),
    "next-null-early": ("pagination.links", "page 2: next_page_url is null, but page 3 has items; expected a link to "
                                            "page 3 (null only on the last page)"),
}


@pytest.mark.parametrize("fault", sorted(PAGE_FAULTS))
def test_a_ledger_whose_page_arithmetic_or_links_are_off_fails_the_run(fault, ledger):
    rule, message = PAGE_FAULTS[fault]
    outcome = ledger({fault}, "-k", "pagination")
    assert outcome.ret == 1, outcome.output()
    assert outcome.status(rule) == "failed", (outcome.rule(rule), outcome.output())
    port = outcome.report["summary"]["target"].rsplit(":", 1)[1].rstrip("/")
    messages = outcome.messages(rule)
    assert any(message.format(port=port) in m for m in messages), messages
    assert f"FAILED {rule} (must)" in outcome.output()
    assert not any(v.get("advisory") for v in outcome.rule(rule)["operations"].values())


# -- PUT replaces ----------------------------------------------------------------------------------------------
def test_put_replaces_no_false_positive_when_the_field_left_out_resets_to_the_value_it_was_created_with(ledger):
    """The suite creates an invoice with status "draft" (the first value the spec allows), which is also what a
    PUT that leaves status out resets it to: reading "draft" after that PUT is no sign that it was kept. The
    ledger replaces, so the rule passes (it judges, it is not skipped)."""
    outcome = ledger(set(), "-k", "put-replaces")
    assert outcome.ret == 0, outcome.output()
    rule = outcome.rule("methods.put-replaces")
    assert (rule["status"], rule["severity"], rule["basis"]) == ("passed", "must", "sentence"), rule
    assert rule["source"]["document"] == "004_923e2cd2c9b2b8b8.txt"


def test_a_put_that_merges_like_a_patch_fails(ledger):
    outcome = ledger({"put-merges"}, "-k", "put-replaces")
    assert outcome.ret == 1, outcome.output()
    assert outcome.status("methods.put-replaces") == "failed"
    assert outcome.messages("methods.put-replaces") == [
        "PUT without 'status' kept it: GET after the PUT shows status='sent', the value the PUT before it set (and "
        "status='draft' after a first PUT without it, as the resource was created); expected it absent, null or "
        "reset (a PUT replaces the whole resource, RFC 9110 9.3.4)."]
    assert "FAILED methods.put-replaces (must)" in outcome.output()


def test_every_operation_of_the_ledger_is_reached(ledger):
    """Issue 19: an independent server's every operation is reached (a valid request got a 2xx)."""
    outcome = ledger(set())
    reach = outcome.report["summary"]["reach"]
    unreached = {label: entry["hint"] for label, entry in reach["by_operation"].items() if not entry["reached"]}
    assert unreached == {} and reach["reached"] == reach["operations"], json.dumps(unreached, indent=1)
