"""The date rules, through the real plugin, against loopback servers that answer like real APIs whose specs
leave their dates unmarked (no ``format``): Kinto's records (``last_modified`` in milliseconds), Stripe's
charges (``created`` in seconds beside large ``amount``s), PowerDNS's zones (serials that look like
timestamps), and a notes API writing dates as Python's ``isoformat()`` does (``+00:00``)."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import pytest
from werkzeug.wrappers import Request, Response

from independent.serving import LoopbackServer

KINTO_RECORDS = {"data": [
    {"n": 2, "id": "d227546e-6d60-4d7d-99aa-c4c571a87e91", "last_modified": 1795702046431},
    {"n": 1, "id": "11591d8c-3b25-4e15-8641-5c8865345a20", "last_modified": 1795702046423},
]}
STRIPE_CHARGES = {"object": "list", "url": "/v1/charges", "has_more": False, "data": [
    {"id": "ch_3MmlLrLkdIwHu7ix0snN0B15", "object": "charge", "amount": 1795398058927, "amount_captured": 1795398058927,
     "amount_refunded": 0, "created": 1795398058, "currency": "usd", "livemode": False, "paid": True,
     "balance_transaction": "txn_3MmlLrLkdIwHu7ix0M5kzXZa"},
    {"id": "ch_3MmlLrLkdIwHu7ix0snN0B16", "object": "charge", "amount": 2000, "amount_captured": 2000,
     "amount_refunded": 0, "created": 1795398121, "currency": "eur", "livemode": False, "paid": True,
     "balance_transaction": "txn_3MmlLrLkdIwHu7ix0M5kzXZb"},
]}
POWERDNS_ZONES = [{"account": "", "dnssec": False, "edited_serial": 2026112601, "id": "example.org.", "kind": "Native",
                   "last_check": 0, "masters": [], "name": "example.org.", "notified_serial": 0, "serial": 2026112601,
                   "url": "/api/v1/servers/localhost/zones/example.org."}]
NOTES_UTC = [{"id": 4101, "title": "Groceries", "version": "2024.01.02",
              "createdAt": "2015-02-15T05:21:07.000+00:00", "updatedAt": "2015-02-15T05:21:07.000+00:00"}]
NOTES_LOCAL = [{"id": 4101, "title": "Groceries", "createdAt": "2015-02-15T07:21:07+02:00"}]


def _schema(value: Any) -> dict[str, Any]:
    """A JSON schema that describes ``value`` with types only, as a spec that marks no date would."""
    if isinstance(value, dict):
        return {"type": "object", "properties": {k: _schema(v) for k, v in value.items()}}
    if isinstance(value, list):
        return {"type": "array", "items": _schema(value[0]) if value else {}}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer", "format": "int64"}
    return {"type": "string"}


class OneCollection:
    """A WSGI app with one documented GET, answering ``body`` (and 404 with a JSON error elsewhere)."""

    def __init__(self, path: str, body: Any) -> None:
        self.path, self.body = path, body
        self.spec = {"openapi": "3.0.3", "info": {"title": "dates", "version": "1"},
                     "paths": {path: {"get": {"responses": {"200": {
                         "description": "ok", "content": {"application/json": {"schema": _schema(body)}}}}}}}}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        request.get_data()
        if request.path == "/openapi.json":
            return Response(json.dumps(self.spec), content_type="application/json")(environ, start_response)
        if request.path == self.path and request.method == "GET":
            return Response(json.dumps(self.body), content_type="application/json")(environ, start_response)
        return Response(json.dumps({"message": "not found"}), status=404,
                        content_type="application/json")(environ, start_response)


@pytest.fixture
def serve_json() -> Iterator[Callable[[str, Any], LoopbackServer]]:
    started: list[LoopbackServer] = []

    def start(path: str, body: Any) -> LoopbackServer:
        server = LoopbackServer(OneCollection(path, body)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _run_dates(run_conformance, server: LoopbackServer, profile: str, rule_id: str):
    token = "reader:unused" if profile == "basic-crud" else "unused-token"
    outcome = run_conformance(None, "-k", rule_id, url=server.url, profile=profile, token=token,
                              forbidden=None)
    rule = outcome.rule(rule_id)
    assert rule["status"] in ("passed", "failed"), (rule["status"], rule["reason"], outcome.output())
    return outcome, rule


def test_dates_unix_seconds_fails_kinto_milliseconds(serve_json, run_conformance):
    server = serve_json("/v1/buckets/b1/collections/c1/records", KINTO_RECORDS)
    outcome, rule = _run_dates(run_conformance, server, "flextype", "dates.unix-seconds")
    assert rule["status"] == "failed", outcome.output()
    assert outcome.messages("dates.unix-seconds") == [
        "/data/0/last_modified is 1795702046431: looks like milliseconds; expected seconds."]
    assert outcome.ret == 1


def test_dates_unix_seconds_no_false_positive_stripe_created_and_amount(serve_json, run_conformance):
    server = serve_json("/v1/charges", STRIPE_CHARGES)
    outcome, rule = _run_dates(run_conformance, server, "flextype", "dates.unix-seconds")
    assert rule["status"] == "passed", outcome.output()
    assert outcome.ret == 0


def test_dates_unix_seconds_no_false_positive_powerdns_serials(serve_json, run_conformance):
    # No date in a zone (serials are not dates, last_check 0 is "never"): nothing to judge, so skipped, not failed.
    server = serve_json("/api/v1/servers/localhost/zones", POWERDNS_ZONES)
    outcome = run_conformance(None, "-k", "dates.unix-seconds", url=server.url, profile="flextype",
                              token="unused-token", forbidden=None)
    assert outcome.status("dates.unix-seconds") == "skipped", outcome.output()
    assert outcome.messages("dates.unix-seconds") == []


def test_dates_iso8601_utc_no_false_positive_plus_00_00(serve_json, run_conformance):
    server = serve_json("/v1/notes", NOTES_UTC)
    outcome, rule = _run_dates(run_conformance, server, "basic-crud", "dates.iso8601-utc")
    assert rule["status"] == "passed", outcome.output()


def test_dates_iso8601_utc_fails_an_unmarked_local_time(serve_json, run_conformance):
    server = serve_json("/v1/notes", NOTES_LOCAL)
    outcome, rule = _run_dates(run_conformance, server, "basic-crud", "dates.iso8601-utc")
    assert rule["status"] == "failed", outcome.output()
    assert outcome.messages("dates.iso8601-utc") == [
        "/0/createdAt is '2015-02-15T07:21:07+02:00': ISO-8601 but not UTC: the offset is +02:00 "
        "(expected Z or +00:00, e.g. 2015-02-15T05:21:07Z)."]
