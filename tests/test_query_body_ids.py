"""A resource's identity wherever the API keeps it (issue 19): Flextype's Entries API names an entry in the query
on reads (GET /api/entries?id=...) and in the JSON body on writes (PATCH/DELETE /api/entries {"id": ...}). The
suite reaches every operation there, writes only to entries it created, judges every operation, reports where each
identifier travelled and came from, and finds a DELETE that ignores the token. Checked on the bundled
``flextype-entries`` demo and on an independent Werkzeug server that keeps Flextype's reference."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request

from conformance.demo import ENTRIES_FAULTY, EntriesDemoAPI
from conformance.resources import identifiers
from conformance.spec import load_spec
from independent import flextype_entries
from independent.serving import LoopbackServer, json_response

FIVE = {"GET /api/entries", "POST /api/entries", "PATCH /api/entries", "DELETE /api/entries"}
MISSING_CREDENTIALS = "Expected 401 for a request without credentials, got 204: the operation ignores authentication."


@pytest.fixture
def entries_demo():
    started = []

    def start(**kwargs: Any) -> EntriesDemoAPI:
        api = EntriesDemoAPI(**kwargs).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


@pytest.fixture
def independent_entries():
    started = []

    def start(**kwargs: Any) -> tuple[LoopbackServer, flextype_entries.FlextypeEntries]:
        app = flextype_entries.FlextypeEntries(**kwargs)
        server = LoopbackServer(app).start()
        started.append(server)
        return server, app

    yield start
    for server in started:
        server.stop()


def run_independent(run_conformance, tmp_path, server, *args, spec=None):
    path = tmp_path / "entries.json"
    path.write_text(json.dumps(spec or flextype_entries.spec()))
    return run_conformance(None, f"--conformance-spec={path}", *args, url=server.url, profile="flextype",
                           token=flextype_entries.TOKEN, forbidden=flextype_entries.READ_ONLY)


def reach_of(outcome) -> dict[str, Any]:
    return outcome.report["summary"]["reach"]


def judged_operations(outcome) -> set[str]:
    """The operations on which at least one rule passed or failed (not every rule skipped there)."""
    return {label for rule in outcome.report["rules"] for label, cell in rule["operations"].items()
            if cell["status"] in ("passed", "failed")}


def assert_reached_judged_and_written_only_at_created(outcome, operations: set[str], writes, seeded) -> None:
    reach = reach_of(outcome)
    assert reach["reached"] == reach["operations"] == len(operations), json.dumps(reach, indent=1)
    assert operations <= judged_operations(outcome), judged_operations(outcome)
    foreign = [(method, slug) for method, slug in writes if slug in seeded]
    assert not foreign, f"the suite wrote to entries it did not create: {foreign}"
    assert any(method == "PATCH" for method, _ in writes) and any(method == "DELETE" for method, _ in writes), writes


def test_the_entries_demo_is_reached_judged_and_written_only_at_what_the_suite_created(entries_demo,
                                                                                       run_conformance):
    api = entries_demo()
    outcome = run_conformance(api, profile="flextype", token=api.token, forbidden=api.forbidden_token)
    assert outcome.ret == 0 and not outcome.failed, outcome.output()
    assert_reached_judged_and_written_only_at_created(outcome, FIVE | {"GET /api/health"}, api.writes, api.seeded)
    assert set(api.entries) == set(api.seeded), "what the suite created it deletes again"
    by_operation = reach_of(outcome)["by_operation"]
    assert by_operation["GET /api/entries"]["values"] == [
        {"parameter": "id", "place": "query", "value": "movies/amelie", "source": "spec", "how": "the spec's example"}]
    for label in ("PATCH /api/entries", "DELETE /api/entries"):
        (value,) = by_operation[label]["values"]
        assert (value["parameter"], value["place"], value["source"]) == ("id", "body", "created"), value
        assert value["value"] not in api.seeded


def test_the_faulty_entries_demo_fails_on_a_delete_that_ignores_the_token(entries_demo, run_conformance):
    api = entries_demo(faults=set(ENTRIES_FAULTY))
    outcome = run_conformance(api, profile="flextype", token=api.token, forbidden=api.forbidden_token)
    assert outcome.ret == 1 and outcome.failed == set(ENTRIES_FAULTY), outcome.output()
    cells = outcome.rule("auth.missing-credentials")["operations"]
    assert {label for label, cell in cells.items() if cell["status"] == "failed"} == {"DELETE /api/entries"}
    assert MISSING_CREDENTIALS in outcome.messages("auth.missing-credentials")
    assert not [w for w in api.writes if w[1] in api.seeded], api.writes


def test_an_independent_entries_server_is_reached_judged_and_written_only_at_what_the_suite_created(
        independent_entries, run_conformance, tmp_path):
    server, app = independent_entries()
    outcome = run_independent(run_conformance, tmp_path, server)
    assert outcome.ret == 0 and not outcome.failed, outcome.output()
    assert_reached_judged_and_written_only_at_created(outcome, FIVE | {"GET /api/registry"}, app.writes, app.seeded)
    assert set(app.entries) == set(app.seeded), "what the suite created it deletes again"


def test_an_independent_entries_server_whose_delete_ignores_the_token_fails_the_run(
        independent_entries, run_conformance, tmp_path):
    server, app = independent_entries(ignore_token_on_delete=True)
    outcome = run_independent(run_conformance, tmp_path, server)
    assert outcome.ret == 1, outcome.output()
    assert outcome.rule("auth.missing-credentials")["operations"]["DELETE /api/entries"]["status"] == "failed"
    assert MISSING_CREDENTIALS in outcome.messages("auth.missing-credentials")
    assert not [w for w in app.writes if w[1] in app.seeded], app.writes


def test_invalid_body_no_false_positive_where_the_credential_field_comes_first(independent_entries, run_conformance,
                                                                               tmp_path):
    """The invalid-body probe broke `access_token` (the first field of DELETE's body), which the builder then
    filled with the valid token: a valid DELETE, answered 204, was reported as an invalid body accepted."""
    server, _ = independent_entries()
    outcome = run_independent(run_conformance, tmp_path, server)
    cells = outcome.rule("errors.invalid-input")["operations"]
    assert {label: cells[label]["status"] for label in ("DELETE /api/entries", "PATCH /api/entries")} == {
        "DELETE /api/entries": "passed", "PATCH /api/entries": "passed"}, outcome.messages("errors.invalid-input")


def test_a_query_id_given_with_query_prefix_is_used_and_reported_as_given(independent_entries, run_conformance,
                                                                          tmp_path):
    server, app = independent_entries()
    outcome = run_independent(run_conformance, tmp_path, server, "--conformance-param=/api/entries:query:id=movies/platform")
    (value,) = reach_of(outcome)["by_operation"]["GET /api/entries"]["values"]
    assert (value["place"], value["value"], value["source"]) == ("query", "movies/platform", "user"), value
    # a value given for reading is never written to: the writes still go only to entries the suite created
    assert not [w for w in app.writes if w[1] in app.seeded], app.writes


def test_read_only_writes_nothing_to_entries(independent_entries, run_conformance, tmp_path):
    server, app = independent_entries()
    outcome = run_independent(run_conformance, tmp_path, server, "--conformance-read-only")
    assert app.writes == [] and reach_of(outcome)["by_operation"]["GET /api/entries"]["reached"], app.writes


def test_a_query_parameter_an_openapi_link_fills_names_a_resource_whatever_its_name(tmp_path):
    raw = flextype_entries.spec()
    raw["paths"]["/api/notes"] = {"get": {"operationId": "readNote", "parameters": [
        {"name": "note", "in": "query", "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}}
    raw["paths"]["/api/entries"]["post"]["responses"]["200"]["links"] = {
        "theNote": {"operationId": "readNote", "parameters": {"note": "$response.body#/id"}}}
    raw["paths"]["/api/search"] = {"get": {"parameters": [  # an optional filter on a listing names nothing
        {"name": "owner_id", "in": "query", "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}}
    path = tmp_path / "linked.json"
    path.write_text(json.dumps(raw))
    spec = load_spec(str(path), "http://127.0.0.1:9", timeout=1, session=requests.Session())
    operations = {op.label: op for op in spec.operations}
    assert identifiers(operations["GET /api/notes"]) == [("query", "note")]
    assert identifiers(operations["GET /api/search"]) == []
    assert identifiers(operations["GET /api/entries"]) == [("query", "id")]
    assert identifiers(operations["PATCH /api/entries"]) == [("body", "id")]
    assert identifiers(operations["POST /api/entries"]) == []  # the id of a new entry, chosen by the client


# -- singletons: written only where the user lets the suite write -------------------------------------------
PROFILE_SPEC = {
    "openapi": "3.0.3", "info": {"title": "profile", "version": "1"},
    "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "query", "name": "token"}}},
    "security": [{"token": []}],
    "paths": {"/profile": {
        "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object"}}}}}},
        "put": {"requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"name": {"type": "string", "maxLength": 20},
                                            "access_token": {"type": "string"}}, "required": ["name"]}}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object"}}}}, "400": {"description": "bad"}, "401": {"description": "no"}}}}},
}


class Profile:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_json(silent=True) if request.method == "PUT" else None
        token = request.args.get("token") if request.method == "GET" else (body or {}).get("access_token")
        if request.path != "/profile":
            response = json_response({"title": "Not Found", "message": "no", "http_status_code": 404}, 404)
        elif token != flextype_entries.TOKEN:
            response = json_response({"title": "Unauthorized", "message": "Token is wrong", "http_status_code": 401},
                                     401, {"WWW-Authenticate": "Token"})
        elif request.method == "PUT":
            self.writes.append(json.dumps(body))
            response = json_response({"name": (body or {}).get("name")})
        else:
            response = json_response({"name": "me"})
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response(environ, start_response)


def test_a_singleton_is_never_written_without_writable_and_its_hint_names_the_option(run_conformance, tmp_path):
    app = Profile()
    with LoopbackServer(app) as server:
        outcome = run_independent(run_conformance, tmp_path, server, spec=PROFILE_SPEC)
    assert app.writes == []
    put = reach_of(outcome)["by_operation"]["PUT /profile"]
    assert not put["reached"] and "--conformance-writable=/profile" in put["hint"], json.dumps(put, indent=1)


def test_a_singleton_the_user_lets_the_suite_write_is_written(run_conformance, tmp_path):
    app = Profile()
    with LoopbackServer(app) as server:
        outcome = run_independent(run_conformance, tmp_path, server, "--conformance-writable=/prof*", spec=PROFILE_SPEC)
    assert app.writes and reach_of(outcome)["by_operation"]["PUT /profile"]["reached"], outcome.output()
