"""Reaching the API's real resources (issue 11), each against a real loopback server:

- parent ids found only by listing (the nested demo: projects and envs can only be listed);
- parent ids only in the spec's examples, or only from --conformance-param (the inventory API: regions
  cannot be listed);
- a create-use-delete cycle that leaves nothing behind;
- write probes never reaching a resource the suite did not create (the server itself checks);
- a rule skipped, not failed, when every answer came from a resource that was never reached;
- reach reported per operation, with where each path value came from and a hint where unreached.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from werkzeug.wrappers import Request, Response

from conformance.demo import DEMOS
from conformance.demo.nested import NestedDemoAPI
from independent.serving import LoopbackServer, json_response
from servers import inventory

EVERY_AUTH_RULE = ("auth.missing-credentials", "auth.invalid-credentials", "auth.unsupported-channel",
                   "auth.valid-credentials", "auth.forbidden-credentials")


@pytest.fixture
def nested():
    api = NestedDemoAPI("featbit").start()
    yield api
    api.stop()


@pytest.fixture
def inventory_api():
    app = inventory.Inventory()
    with LoopbackServer(app) as server:
        server.app_state = app
        yield server


def run_inventory(run_conformance, tmp_path, server, *args, region_example=None, **kwargs):
    spec = tmp_path / "inventory.json"
    spec.write_text(json.dumps(inventory.spec(region_example=region_example)))
    return run_conformance(None, f"--conformance-spec={spec}", *args, url=server.url, profile="featbit",
                           token=inventory.TOKEN, forbidden=inventory.READ_ONLY, **kwargs)


def reach_of(outcome):
    return outcome.report["summary"]["reach"]


def sources(entry):
    return {value["parameter"]: value["source"] for value in entry["values"]}


def test_parent_ids_found_only_by_listing(nested, run_conformance):
    outcome = run_conformance(nested, profile="featbit", token="demo-token", forbidden="demo-readonly")
    reach = reach_of(outcome)
    assert (reach["reached"], reach["operations"]) == (8, 8), json.dumps(reach, indent=1)
    flags = reach["by_operation"]["GET /api/v1/projects/{projectId}/envs/{envId}/flags"]
    # The spec names no project or env: they came from the API's own listings.
    assert set(sources(flags).values()) <= {"listed", "seen"}, flags
    assert all(v["how"].startswith(("listed by GET /api/v1/projects", "seen in the answer to GET /api/v1/projects"))
               for v in flags["values"]), flags
    patch = reach["by_operation"]["PATCH /api/v1/projects/{projectId}/envs/{envId}/flags/{key}"]
    assert sources(patch)["key"] == "created", patch
    assert "reached 8 of 8 operations" in outcome.output()


def test_parent_ids_only_in_the_specs_examples(inventory_api, run_conformance, tmp_path):
    outcome = run_inventory(run_conformance, tmp_path, inventory_api, region_example="eu-west")
    reach = reach_of(outcome)
    assert reach["reached"] == reach["operations"] == 7, json.dumps(reach, indent=1)
    device = reach["by_operation"]["GET /api/regions/{regionCode}/sites/{siteId}/devices/{deviceId}"]
    assert device["values"][0] == {"parameter": "regionCode", "place": "path", "value": "eu-west", "source": "spec",
                                   "how": "the spec's example"}
    assert sources(device)["siteId"] in ("listed", "seen")


def test_parent_ids_only_from_conformance_param(inventory_api, run_conformance, tmp_path):
    outcome = run_inventory(run_conformance, tmp_path, inventory_api,
                            "--conformance-param=/api/regions/*:regionCode=eu-west")
    reach = reach_of(outcome)
    assert reach["reached"] == reach["operations"] == 7, json.dumps(reach, indent=1)
    sites = reach["by_operation"]["GET /api/regions/{regionCode}/sites"]
    assert sites["values"] == [{"parameter": "regionCode", "place": "path", "value": "eu-west", "source": "user",
                                "how": "given with --conformance-param"}]


def test_the_environment_variable_gives_path_values_too(inventory_api, run_conformance, tmp_path, monkeypatch):
    monkeypatch.setenv("CONFORMANCE_PARAM", "siteId=s-1 regionCode=eu-west")
    outcome = run_inventory(run_conformance, tmp_path, inventory_api)
    sites = reach_of(outcome)["by_operation"]["GET /api/regions/{regionCode}/sites/{siteId}"]
    assert sites["reached"] and sources(sites) == {"regionCode": "user", "siteId": "user"}


def test_unreached_operations_say_which_parameter_and_which_option(inventory_api, run_conformance, tmp_path):
    outcome = run_inventory(run_conformance, tmp_path, inventory_api)
    reach = reach_of(outcome)
    assert reach["reached"] == 0, json.dumps(reach, indent=1)
    hint = reach["by_operation"]["GET /api/regions/{regionCode}/sites"]["hint"]
    assert "no regionCode known to exist" in hint and "--conformance-param regionCode=VALUE" in hint, hint
    assert "UNREACHED GET /api/regions/{regionCode}/sites: no regionCode known to exist" in outcome.output()
    assert "reached 0 of 7 operations" in outcome.output()


def test_a_rule_is_skipped_not_failed_when_every_answer_came_from_an_unreached_resource(
        inventory_api, run_conformance, tmp_path):
    """Without a region the API answers 404 to every request that passes its door: the rules about the valid and
    the forbidden credential must not judge those 404s. (Requests without a credential get 401 first, which
    the API answers whatever the path: auth.missing-credentials judges that.)"""
    outcome = run_inventory(run_conformance, tmp_path, inventory_api)
    for rule_id in ("auth.valid-credentials", "auth.forbidden-credentials"):
        for operation, verdict in outcome.rule(rule_id)["operations"].items():
            if "{regionCode}" not in operation:
                continue
            assert verdict["status"] == "skipped", (rule_id, operation, verdict)
            assert "never reached" in verdict["reason"] and "--conformance-param regionCode" in verdict["reason"]
    assert not outcome.failed & set(EVERY_AUTH_RULE), outcome.failed


def test_create_use_delete_leaves_nothing_behind(inventory_api, run_conformance, tmp_path):
    app = inventory_api.app_state
    run_inventory(run_conformance, tmp_path, inventory_api, region_example="eu-west")
    assert app.created, "the suite created devices to write to"
    assert app.devices == inventory.SEEDED, "what the suite created it deleted again"


def test_write_probes_never_reach_a_resource_the_suite_did_not_create(inventory_api, run_conformance, tmp_path):
    app = inventory_api.app_state
    run_inventory(run_conformance, tmp_path, inventory_api, region_example="eu-west", examples=6)
    assert any(w.startswith(("PUT", "DELETE")) for w in app.writes), app.writes
    assert app.foreign_writes == [], app.foreign_writes


def test_read_only_creates_nothing_and_says_why_writes_are_unreached(inventory_api, run_conformance, tmp_path):
    app = inventory_api.app_state
    outcome = run_inventory(run_conformance, tmp_path, inventory_api, "--conformance-read-only",
                            region_example="eu-west")
    assert app.writes == [] and app.created == set()
    put = reach_of(outcome)["by_operation"]["PUT /api/regions/{regionCode}/sites/{siteId}/devices/{deviceId}"]
    assert not put["reached"]


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_every_bundled_demo_is_reached(name, run_conformance):
    """Every operation of every bundled demo (the nested one included) is reached: a valid request got a 2xx."""
    factory, profile = DEMOS[name]
    api = factory().start()
    try:
        outcome = run_conformance(api, profile=profile, token=api.token, forbidden=None)
    finally:
        api.stop()
    reach = reach_of(outcome)
    assert reach["reached"] == reach["operations"], json.dumps(reach, indent=1)


def test_a_catalog_gives_path_values_too(inventory_api, run_conformance, tmp_path):
    catalog = tmp_path / "inventory.yaml"
    catalog.write_text("profile: inventory\ntitle: the inventory API\nextends: featbit\n"
                       "parameters: ['/api/regions/*:regionCode=eu-west']\n")
    spec = tmp_path / "inventory.json"
    spec.write_text(json.dumps(inventory.spec()))
    outcome = run_conformance(None, f"--conformance-spec={spec}", url=inventory_api.url, profile=str(catalog),
                              token=inventory.TOKEN, forbidden=inventory.READ_ONLY)
    sites = reach_of(outcome)["by_operation"]["GET /api/regions/{regionCode}/sites"]
    assert sites["reached"] and sources(sites) == {"regionCode": "user"}, sites


def test_a_malformed_path_value_is_one_sentence(inventory_api, run_conformance, tmp_path):
    outcome = run_inventory(run_conformance, tmp_path, inventory_api, "--conformance-param=regionCode")
    assert outcome.ret == 4
    assert "--conformance-param takes NAME=VALUE or PATH_GLOB:NAME=VALUE" in outcome.output()
    assert "Traceback" not in outcome.output()


# -- Kinto: a created resource is {id} on its own path, {collection_id} on the paths nested under it ------------
class TokenApp:
    """A small WSGI API of its own: the token in Authorization (401 otherwise), then ``answer``."""

    def __call__(self, environ, start_response):
        request = Request(environ)
        data = request.get_data()
        if request.headers.get("Authorization") != inventory.TOKEN:
            response = json_response({"error": "unauthorized"}, 401)
        else:
            response = self.answer(request, [p for p in request.path.split("/") if p], data)
        return response(environ, start_response)

    def answer(self, request: Request, parts: list[str], data: bytes) -> Response:
        raise NotImplementedError


def run_app(run_conformance, tmp_path, app: TokenApp, spec: dict, *args: str):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    with LoopbackServer(app) as server:
        return run_conformance(None, f"--conformance-spec={path}", *args, url=server.url, profile="featbit",
                               token=inventory.TOKEN, forbidden=None)


class Buckets(TokenApp):
    """Kinto's shape: /buckets/{id}, /buckets/{bucket_id}/collections/{id}, and the records of a collection at
    /buckets/{bucket_id}/collections/{collection_id}/records; {"data": ...} envelopes, random ids. The one
    bucket has no collection, so a collection_id exists only once the suite creates one."""

    def __init__(self) -> None:
        self.collections: dict[str, dict[str, list]] = {"b0": {}}

    def answer(self, request, parts, data):
        if parts == ["buckets"] and request.method == "GET":
            return json_response({"data": [{"id": b} for b in self.collections]})
        if len(parts) < 2 or parts[0] != "buckets" or parts[1] not in self.collections:
            return json_response({"error": "not found"}, 404)
        collections = self.collections[parts[1]]
        if parts[2:] == ["collections"] and request.method == "GET":
            return json_response({"data": [{"id": c} for c in collections]})
        if parts[2:] == ["collections"] and request.method == "POST":
            new = uuid.uuid4().hex[:8]
            collections[new] = []
            return json_response({"data": {"id": new}}, 201)
        if len(parts) >= 4 and parts[3] in collections:
            if len(parts) == 4 and request.method == "GET":
                return json_response({"data": {"id": parts[3]}})
            if len(parts) == 4 and request.method == "DELETE":
                del collections[parts[3]]
                return json_response({"data": {"id": parts[3], "deleted": True}})
            if parts[4:] == ["records"] and request.method == "GET":
                return json_response({"data": collections[parts[3]]})
        return json_response({"error": "not found"}, 404)


def buckets_spec():
    ok = {"200": {"description": "ok"}, "201": {"description": "created"}, "401": {"description": "no"},
          "404": {"description": "gone"}}
    param = lambda name: {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}  # noqa: E731
    return {
        "openapi": "3.0.3", "info": {"title": "buckets", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {
            "/buckets": {"get": {"responses": ok}},
            "/buckets/{bucket_id}/collections": {
                "parameters": [param("bucket_id")], "get": {"responses": ok},
                "post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                         "responses": ok}},
            "/buckets/{bucket_id}/collections/{id}": {
                "parameters": [param("bucket_id"), param("id")],
                "get": {"responses": ok}, "delete": {"responses": ok}},
            "/buckets/{bucket_id}/collections/{collection_id}/records": {
                "parameters": [param("bucket_id"), param("collection_id")], "get": {"responses": ok}},
        },
    }


def test_a_created_resource_serves_the_paths_that_name_its_id_otherwise(run_conformance, tmp_path):
    """The suite creates a collection at /buckets/{bucket_id}/collections (its id is {id} there) and reads its
    records at .../collections/{collection_id}/records: the same id under another name (Kinto 26.5)."""
    app = Buckets()
    outcome = run_app(run_conformance, tmp_path, app, buckets_spec())
    records = reach_of(outcome)["by_operation"]["GET /buckets/{bucket_id}/collections/{collection_id}/records"]
    assert records["reached"], json.dumps(records, indent=1)
    assert sources(records)["collection_id"] == "created" and sources(records)["bucket_id"] in ("listed", "seen"), records
    assert app.collections == {"b0": {}}  # and what the suite created is gone again


# -- Jupyter: a POST that declares no body creates the resource ------------------------------------------------
class Terminals(TokenApp):
    """Jupyter's terminals: POST /terminals takes no body and answers the new terminal; nothing exists before."""

    def __init__(self) -> None:
        self.terminals: dict[str, dict] = {}
        self.bodies: list[bytes] = []

    def answer(self, request, parts, data):
        if parts == ["terminals"] and request.method == "GET":
            return json_response(list(self.terminals.values()))
        if parts == ["terminals"] and request.method == "POST":
            self.bodies.append(data)
            name = str(len(self.terminals) + 1 + len(self.bodies))
            self.terminals[name] = {"name": name}
            return json_response(self.terminals[name])
        if len(parts) == 2 and parts[1] in self.terminals and request.method == "GET":
            return json_response(self.terminals[parts[1]])
        if len(parts) == 2 and parts[1] in self.terminals and request.method == "DELETE":
            del self.terminals[parts[1]]
            return Response(status=204)
        return json_response({"message": "not found"}, 404)


def terminals_spec():
    ok = {"200": {"description": "ok"}, "204": {"description": "gone"}, "401": {"description": "no"},
          "404": {"description": "none"}}
    item = [{"name": "terminal_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.0.3", "info": {"title": "terminals", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {
            "/terminals": {"get": {"responses": ok}, "post": {"responses": ok}},
            "/terminals/{terminal_id}": {"parameters": item, "get": {"responses": ok}, "delete": {"responses": ok}},
        },
    }


def test_a_post_that_declares_no_body_creates_with_none(run_conformance, tmp_path):
    app = Terminals()
    outcome = run_app(run_conformance, tmp_path, app, terminals_spec())
    one = reach_of(outcome)["by_operation"]["GET /terminals/{terminal_id}"]
    assert one["reached"] and sources(one) == {"terminal_id": "created"}, json.dumps(one, indent=1)
    assert app.terminals == {}  # every terminal the suite opened is closed again


# -- httpbin, GitHub: an operation whose documented answer is a redirect --------------------------------------
class Downloads(TokenApp):
    """GET /files/{name} serves a file; GET /download/{name} answers 302 to it, the one answer its spec documents
    (httpbin's /redirect/{n}, GitHub's tarball)."""

    FILES = {"report": {"name": "report", "size": 3}}

    def answer(self, request, parts, data):
        if request.method == "GET" and parts == ["files"]:
            return json_response(list(self.FILES.values()))
        if request.method == "GET" and len(parts) == 2 and parts[1] in self.FILES:
            if parts[0] == "files":
                return json_response(self.FILES[parts[1]])
            if parts[0] == "download":
                return Response(status=302, headers={"Location": f"/files/{parts[1]}"})
        return json_response({"message": "not found"}, 404)


def downloads_spec():
    name = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]
    refused = {"401": {"description": "no"}, "404": {"description": "none"}}
    return {
        "openapi": "3.0.3", "info": {"title": "downloads", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {
            "/files": {"get": {"responses": {"200": {"description": "ok"}, **refused}}},
            "/files/{name}": {"parameters": name, "get": {"responses": {"200": {"description": "ok"}, **refused}}},
            "/download/{name}": {"parameters": [{**name[0], "example": "report"}],
                                 "get": {"responses": {"302": {"description": "to the file"}, **refused}}},
        },
    }


def test_an_operation_whose_documented_answer_is_a_redirect_is_reached_by_it(run_conformance, tmp_path):
    outcome = run_app(run_conformance, tmp_path, Downloads(), downloads_spec())
    reach = reach_of(outcome)
    download = reach["by_operation"]["GET /download/{name}"]
    assert download["reached"] and download["statuses"].get("302"), json.dumps(download, indent=1)
    assert sources(download) == {"name": "spec"}, download
    assert (reach["reached"], reach["operations"]) == (3, 3)
    # The server keeps few of featbit's conventions; the redirect is judged as its neighbour is, no more.
    failed = {op: {r["id"] for r in outcome.report["rules"] if r["operations"].get(op, {}).get("status") == "failed"}
              for op in ("GET /download/{name}", "GET /files/{name}")}
    assert failed["GET /download/{name}"] <= failed["GET /files/{name}"], failed


# -- settings that exist before any run and that no POST creates: the user's to let the suite write to ----------
class Settings(TokenApp):
    """GET and PUT /settings/{key} on a fixed set of keys; nothing creates or deletes one. Every write is kept."""

    def __init__(self) -> None:
        self.values = {"theme": {"key": "theme", "value": "dark"}, "locale": {"key": "locale", "value": "en"}}
        self.writes: list[str] = []

    def answer(self, request, parts, data):
        if len(parts) != 2 or parts[0] != "settings" or parts[1] not in self.values:
            return json_response({"message": "not found"}, 404)
        if request.method == "PUT":
            self.writes.append(parts[1])
            body = json.loads(data or b"{}")
            if not isinstance(body, dict) or not isinstance(body.get("value"), str):
                return json_response({"message": "value is required"}, 400)
            self.values[parts[1]] = {"key": parts[1], "value": body["value"]}
        return json_response(self.values[parts[1]])


def settings_spec():
    key = [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}]
    answers = {"200": {"description": "ok"}, "400": {"description": "bad"}, "401": {"description": "no"},
               "404": {"description": "none"}}
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["value"], "properties": {"value": {"type": "string"}}}}}}
    return {
        "openapi": "3.0.3", "info": {"title": "settings", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {"/settings/{key}": {"parameters": key, "get": {"responses": answers},
                                      "put": {"requestBody": body, "responses": answers}}},
    }


def test_a_resource_no_post_creates_is_written_only_where_the_user_lets_it(run_conformance, tmp_path):
    app = Settings()
    outcome = run_app(run_conformance, tmp_path, app, settings_spec())
    put = reach_of(outcome)["by_operation"]["PUT /settings/{key}"]
    assert not put["reached"] and app.writes == [], (put, app.writes)
    # the hint names both options: a given key alone is for reading, never for writing
    assert "it writes only to what it created: let it write to one of yours with " \
           "--conformance-writable=/settings/{key} and --conformance-param key=VALUE" in put["hint"], put["hint"]

    app = Settings()
    path = tmp_path / "spec.json"
    with LoopbackServer(app) as server:
        outcome = run_conformance(None, f"--conformance-spec={path}", "--conformance-writable=/settings/*",
                                  "--conformance-param=key=theme", url=server.url, profile="featbit",
                                  token=inventory.TOKEN, forbidden=None)
    put = reach_of(outcome)["by_operation"]["PUT /settings/{key}"]
    assert put["reached"] and sources(put) == {"key": "user"}, json.dumps(put, indent=1)
    assert set(app.writes) == {"theme"}, app.writes  # the one it was let write to


# -- Stripe's capture, Jupyter's restart: a POST that acts on a resource acts only on one the suite created -----
class Orders(TokenApp):
    """Orders: one that was there before the run, those the suite creates, and POST /orders/{id}/cancel, an action
    on an order (no GET there, nothing under it). Every cancel is kept."""

    def __init__(self) -> None:
        self.orders = {"o-seed": {"id": "o-seed", "status": "open"}}
        self.cancelled: list[str] = []

    def answer(self, request, parts, data):
        if parts == ["orders"] and request.method == "GET":
            return json_response(list(self.orders.values()))
        if parts == ["orders"] and request.method == "POST":
            new = f"o-{uuid.uuid4().hex[:6]}"
            self.orders[new] = {"id": new, "status": "open"}
            return json_response(self.orders[new], 201)
        if len(parts) >= 2 and parts[0] == "orders" and parts[1] in self.orders:
            order = self.orders[parts[1]]
            if len(parts) == 2 and request.method == "GET":
                return json_response(order)
            if len(parts) == 2 and request.method == "DELETE":
                return json_response(self.orders.pop(parts[1]))
            if parts[2:] == ["cancel"] and request.method == "POST":
                self.cancelled.append(parts[1])
                order["status"] = "cancelled"
                return json_response(order)
        return json_response({"message": "not found"}, 404)


def orders_spec():
    item = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    answers = {"200": {"description": "ok"}, "201": {"description": "created"}, "401": {"description": "no"},
               "404": {"description": "none"}}
    body = {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "note": {"type": "string"}}}}}}
    return {
        "openapi": "3.0.3", "info": {"title": "orders", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {
            "/orders": {"get": {"responses": answers}, "post": {"requestBody": body, "responses": answers}},
            "/orders/{id}": {"parameters": item, "get": {"responses": answers}, "delete": {"responses": answers}},
            "/orders/{id}/cancel": {"parameters": item, "post": {"responses": answers}},
        },
    }


def test_an_action_on_a_resource_acts_only_on_one_the_suite_created(run_conformance, tmp_path):
    app = Orders()
    outcome = run_app(run_conformance, tmp_path, app, orders_spec())
    cancel = reach_of(outcome)["by_operation"]["POST /orders/{id}/cancel"]
    assert cancel["reached"] and sources(cancel) == {"id": "created"}, json.dumps(cancel, indent=1)
    assert app.cancelled and "o-seed" not in app.cancelled, app.cancelled  # never the order that was there
    assert app.orders["o-seed"]["status"] == "open"


# -- Stripe's refunds: a body that names another resource names one the suite created -------------------------
class Refunds(TokenApp):
    """Charges (one there before the run; those the suite creates, and deletes) and refunds: POST /refunds
    {"charge": ...} refunds the charge it names, once (400 after). Every refunded charge is kept."""

    def __init__(self) -> None:
        self.charges = {"ch_seed": {"id": "ch_seed", "refunded": False}}
        self.refunds: dict[str, dict] = {}
        self.refunded: list[str] = []

    def answer(self, request, parts, data):
        body = json.loads(data or b"{}") if request.method == "POST" else {}
        if parts == ["charges"] and request.method == "GET":
            return json_response({"data": list(self.charges.values())})
        if parts == ["charges"] and request.method == "POST":
            new = f"ch_{uuid.uuid4().hex[:6]}"
            self.charges[new] = {"id": new, "refunded": False}
            return json_response(self.charges[new])
        if len(parts) == 2 and parts[0] == "charges" and parts[1] in self.charges and request.method in ("GET", "DELETE"):
            return json_response(self.charges.pop(parts[1]) if request.method == "DELETE" else self.charges[parts[1]])
        if parts == ["refunds"] and request.method == "GET":
            return json_response({"data": list(self.refunds.values())})
        if parts == ["refunds"] and request.method == "POST":
            charge = self.charges.get(body.get("charge")) if isinstance(body, dict) else None
            if charge is None:
                return json_response({"error": {"message": "No such charge"}}, 404)
            if charge["refunded"]:
                return json_response({"error": {"message": "Charge has already been refunded"}}, 400)
            charge["refunded"] = True
            self.refunded.append(charge["id"])
            new = f"re_{uuid.uuid4().hex[:6]}"
            self.refunds[new] = {"id": new, "charge": charge["id"]}
            return json_response(self.refunds[new])
        if len(parts) == 2 and parts[0] == "refunds" and parts[1] in self.refunds and request.method == "GET":
            return json_response(self.refunds[parts[1]])
        return json_response({"error": {"message": "not found"}}, 404)


def refunds_spec():
    def item(name):
        return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]
    answers = {"200": {"description": "ok"}, "400": {"description": "bad"}, "401": {"description": "no"},
               "404": {"description": "none"}}

    def body(properties):
        return {"content": {"application/json": {"schema": {"type": "object", "properties": properties}}}}
    return {
        "openapi": "3.0.3", "info": {"title": "refunds", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {
            "/charges": {"get": {"responses": answers},
                         "post": {"requestBody": body({"amount": {"type": "integer"}}), "responses": answers}},
            "/charges/{charge}": {"parameters": item("charge"), "get": {"responses": answers},
                                  "delete": {"responses": answers}},
            "/refunds": {"get": {"responses": answers},
                         "post": {"requestBody": body({"charge": {"type": "string", "maxLength": 20}}),
                                  "responses": answers}},
            "/refunds/{refund}": {"parameters": item("refund"), "get": {"responses": answers}},
        },
    }


def test_a_body_that_names_another_resource_names_one_the_suite_created(run_conformance, tmp_path):
    app = Refunds()
    outcome = run_app(run_conformance, tmp_path, app, refunds_spec())
    assert reach_of(outcome)["by_operation"]["POST /refunds"]["reached"], reach_of(outcome)["by_operation"]
    assert app.refunded and "ch_seed" not in app.refunded, app.refunded  # never the charge that was there


# -- PowerDNS: deletes that come at once are answered 500 ("database is locked") -------------------------------
class LockedZones(TokenApp):
    """Zones in a store one DELETE at a time may change: a DELETE that comes while another is under way gets 500,
    as PowerDNS's answered the suite's clean-up (it left nine zones behind a run)."""

    def __init__(self) -> None:
        self.zones = {"example.org.": {"id": "example.org.", "kind": "Native"}}
        self.lock = threading.Lock()

    def answer(self, request, parts, data):
        if parts == ["zones"] and request.method == "GET":
            return json_response(list(self.zones.values()))
        if parts == ["zones"] and request.method == "POST":
            body = json.loads(data or b"{}")
            name = body.get("name") if isinstance(body, dict) else None
            if not isinstance(name, str) or not name or name in self.zones:
                return json_response({"error": "bad or taken name"}, 422)
            self.zones[name] = {"id": name, "kind": "Native", "ttl": 3600}
            return json_response(self.zones[name], 201)
        if len(parts) == 2 and parts[0] == "zones" and parts[1] in self.zones:
            if request.method == "GET":
                return json_response(self.zones[parts[1]])
            if request.method == "PUT":
                return Response(status=204)
            if request.method == "DELETE":
                if not self.lock.acquire(blocking=False):
                    return json_response({"error": "database is locked"}, 500)
                try:
                    time.sleep(0.05)
                    self.zones.pop(parts[1], None)
                finally:
                    self.lock.release()
                return Response(status=204)
        return json_response({"error": "Could not find domain"}, 404)


def locked_zones_spec():
    item = [{"name": "zone_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    answers = {"200": {"description": "ok"}, "201": {"description": "created"}, "204": {"description": "done"},
               "401": {"description": "no"}, "404": {"description": "none"}, "422": {"description": "bad"}}
    body = {"content": {"application/json": {"schema": {
        "type": "object", "required": ["name"], "properties": {"name": {"type": "string", "example": "example.org."},
                                                                "ttl": {"type": "integer"}}}}}}
    return {
        "openapi": "3.0.3", "info": {"title": "zones", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {"/zones": {"get": {"responses": answers}, "post": {"requestBody": body, "responses": answers}},
                  "/zones/{zone_id}": {"parameters": item, "get": {"responses": answers},
                                       "put": {"requestBody": body, "responses": answers},
                                       "delete": {"responses": answers}}},
    }


def test_what_the_suite_created_is_deleted_though_deletes_at_once_fail(run_conformance, tmp_path):
    app = LockedZones()
    run_app(run_conformance, tmp_path, app, locked_zones_spec())
    assert list(app.zones) == ["example.org."], app.zones  # every zone the suite created is gone again


# -- Kinto: DELETE /buckets?id=...&last_modified=... deletes only what matches every filter ---------------------
class FilteredBuckets(TokenApp):
    """DELETE /buckets deletes the buckets that match every filter of its query (id, last_modified), and answers
    200 with those it deleted, none at all included."""

    def __init__(self) -> None:
        self.buckets = {"b1": {"id": "b1", "last_modified": 1}}
        self.clock = 1

    def answer(self, request, parts, data):
        if parts == ["buckets"] and request.method == "POST":
            self.clock += 1
            new = uuid.uuid4().hex[:8]
            self.buckets[new] = {"id": new, "last_modified": self.clock}
            return json_response({"data": self.buckets[new]}, 201)
        if parts == ["buckets"] and request.method in ("GET", "DELETE"):
            args = request.args
            matching = [b for b in self.buckets.values()
                        if all(str(b.get(k)) == v for k, v in args.items() if k in ("id", "last_modified"))]
            if request.method == "DELETE":
                for bucket in matching:
                    del self.buckets[bucket["id"]]
            return json_response({"data": matching})
        if len(parts) == 2 and parts[0] == "buckets" and parts[1] in self.buckets:
            if request.method == "GET":
                return json_response({"data": self.buckets[parts[1]]})
            if request.method == "DELETE":
                return json_response({"data": {**self.buckets.pop(parts[1]), "deleted": True}})
        return json_response({"error": "not found"}, 404)


def filtered_buckets_spec():
    answers = {"200": {"description": "ok"}, "201": {"description": "created"}, "401": {"description": "no"},
               "404": {"description": "none"}}
    filters = [{"name": "id", "in": "query", "schema": {"type": "string"}},
               {"name": "last_modified", "in": "query", "schema": {"type": "integer", "minimum": 0}}]
    item = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.0.3", "info": {"title": "buckets", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {"/buckets": {"parameters": filters, "get": {"responses": answers},
                               "post": {"responses": answers}, "delete": {"responses": answers}},
                  "/buckets/{id}": {"parameters": item, "get": {"responses": answers},
                                    "delete": {"responses": answers}}},
    }


def test_a_resource_a_delete_named_only_in_its_query_is_still_cleaned_up(run_conformance, tmp_path):
    app = FilteredBuckets()
    run_app(run_conformance, tmp_path, app, filtered_buckets_spec())
    assert list(app.buckets) == ["b1"], app.buckets  # nothing the suite created is left, b1 untouched


# -- Jupyter: a new terminal takes the name of one just deleted -----------------------------------------------
class ReusedNames(TokenApp):
    """Terminals named by the lowest free number, as Jupyter's are: "8" again once "8" is deleted. A DELETE frees
    the name at once and answers a moment later, so a terminal created meanwhile has the name the answer is about."""

    def __init__(self) -> None:
        self.terminals: dict[str, dict] = {}
        self.lock = threading.Lock()

    def answer(self, request, parts, data):
        if parts == ["terminals"] and request.method == "GET":
            return json_response(list(self.terminals.values()))
        if parts == ["terminals"] and request.method == "POST":
            with self.lock:
                name = str(next(n for n in range(1, 1000) if str(n) not in self.terminals))
                self.terminals[name] = {"name": name}
            return json_response(self.terminals[name])
        if len(parts) == 2 and parts[0] == "terminals" and parts[1] in self.terminals:
            if request.method == "GET":
                return json_response(self.terminals[parts[1]])
            if request.method == "DELETE":
                with self.lock:
                    self.terminals.pop(parts[1], None)
                time.sleep(0.1)
                return Response(status=204)
        return json_response({"message": "not found"}, 404)


def test_a_resource_that_takes_a_deleted_ones_name_is_still_cleaned_up(run_conformance, tmp_path):
    app = ReusedNames()
    run_app(run_conformance, tmp_path, app, terminals_spec())
    assert app.terminals == {}, app.terminals  # every terminal the suite opened is closed again


# -- PowerDNS: a PATCH the API carries out only with a field the spec leaves loose, given as JSON ----------------
class Zones(TokenApp):
    """Zones created by POST; PATCH /zones/{id} wants a list of changes, each {"op": "replace"} (the spec says only
    "objects with an op"), and answers 422 otherwise. Every PATCH it carried out is kept."""

    def __init__(self) -> None:
        self.zones: dict[str, dict] = {}
        self.patched: list[list] = []
        self.scalars: list = []  # PATCH bodies that were no object

    def answer(self, request, parts, data):
        if parts == ["zones"] and request.method == "GET":
            return json_response(list(self.zones.values()))
        if parts == ["zones"] and request.method == "POST":
            body = json.loads(data or b"{}")
            if not isinstance(body, dict) or not isinstance(body.get("name"), str):
                return json_response({"error": "name is required"}, 422)
            zone = {"id": f"z{len(self.zones) + 1}", "name": body["name"]}
            self.zones[zone["id"]] = zone
            return json_response(zone, 201)
        if len(parts) == 2 and parts[0] == "zones" and parts[1] in self.zones:
            if request.method == "GET":
                return json_response(self.zones[parts[1]])
            if request.method == "DELETE":
                del self.zones[parts[1]]
                return Response(status=204)
            if request.method == "PATCH":
                try:
                    body = json.loads(data or b"{}")
                except ValueError:
                    return json_response({"error": "the body is not JSON"}, 400)
                if not isinstance(body, dict):
                    if request.content_type == "application/json":  # (not the text/plain probe's)
                        self.scalars.append(body)
                    return json_response({"error": "the body is not an object"}, 400)
                changes = body.get("changes")
                if not isinstance(changes, list) or not changes or any(c != {"op": "replace"} for c in changes):
                    return json_response({"error": "changes: a list of {\"op\": \"replace\"}"}, 422)
                self.patched.append(changes)
                return Response(status=204)
        return json_response({"error": "not found"}, 404)


def zones_spec(typed: bool = True):
    zone_id = [{"name": "zone_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    answers = {"200": {"description": "ok"}, "201": {"description": "created"}, "204": {"description": "done"},
               "401": {"description": "no"}, "404": {"description": "none"}, "422": {"description": "refused"}}
    def body(schema):
        return {"required": True, "content": {"application/json": {"schema": schema}}}
    changes = {"type": "object", "properties": {"changes": {"type": "array", "items": {
        "type": "object", "properties": {"op": {"type": "string"}}}}}}
    if not typed:  # PowerDNS's Zone: properties, and no type, so false and 1.5 fit it too
        del changes["type"]
    return {
        "openapi": "3.0.3", "info": {"title": "zones", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {
            "/zones": {"get": {"responses": answers}, "post": {"requestBody": body({
                "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
                "responses": answers}},
            "/zones/{zone_id}": {"parameters": zone_id, "get": {"responses": answers},
                                 "patch": {"requestBody": body(changes), "responses": answers},
                                 "delete": {"responses": answers}}},
    }


def test_a_body_field_given_as_json_reaches_what_its_text_cannot(run_conformance, tmp_path):
    app = Zones()
    outcome = run_app(run_conformance, tmp_path, app, zones_spec())
    patch = reach_of(outcome)["by_operation"]["PATCH /zones/{zone_id}"]
    assert not patch["reached"] and app.patched == [], patch
    assert "give the fields it wants with --conformance-param /zones/{zone_id}:body:NAME=VALUE" in patch["hint"], patch

    app = Zones()
    outcome = run_app(run_conformance, tmp_path, app, zones_spec(),
                      '--conformance-param=/zones/*:body:changes=[{"op": "replace"}]')
    patch = reach_of(outcome)["by_operation"]["PATCH /zones/{zone_id}"]
    assert patch["reached"], patch
    assert app.patched and all(changes == [{"op": "replace"}] for changes in app.patched), app.patched
    assert app.zones == {}, app.zones  # the zones it patched were its own, and are gone


# -- PowerDNS: a TSIG key is known by its name, and a PUT that changes the name changes its id -------------------
class RenamedKeys(TokenApp):
    """Keys whose id is made from their name, as PowerDNS makes a TSIG key's ("a b" -> "a=5C032b."): a PUT that
    sends another name answers with the key under its new id, and the old id is gone."""

    def __init__(self) -> None:
        self.keys: dict[str, dict] = {}
        self.renames = 0

    @staticmethod
    def key_id(name: str) -> str:
        return name.replace(" ", "=5C032") + "."

    def answer(self, request, parts, data):
        if parts == ["keys"] and request.method == "GET":
            return json_response(list(self.keys.values()))
        if parts == ["keys"] and request.method == "POST":
            body = json.loads(data or b"{}")
            name = body.get("name") if isinstance(body, dict) else None
            if not isinstance(name, str) or not name or self.key_id(name) in self.keys:
                return json_response({"error": "a new name is required"}, 422)
            self.keys[self.key_id(name)] = {"id": self.key_id(name), "name": name}
            return json_response(self.keys[self.key_id(name)], 201)
        if len(parts) == 2 and parts[0] == "keys" and parts[1] in self.keys:
            if request.method == "GET":
                return json_response(self.keys[parts[1]])
            if request.method == "DELETE":
                del self.keys[parts[1]]
                return Response(status=204)
            if request.method == "PUT":
                body = json.loads(data or b"{}")
                name = body.get("name") if isinstance(body, dict) else None
                if isinstance(name, str) and name and self.key_id(name) != parts[1]:
                    if self.key_id(name) in self.keys:
                        return json_response({"error": "that name is taken"}, 409)
                    del self.keys[parts[1]]
                    self.keys[self.key_id(name)] = {"id": self.key_id(name), "name": name}
                    self.renames += 1
                    return json_response(self.keys[self.key_id(name)])
                return json_response(self.keys[parts[1]])
        return json_response({"error": "not found"}, 404)


def keys_spec(put_requires_a_name: bool = False):
    key_id = [{"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    answers = {"200": {"description": "ok"}, "201": {"description": "created"}, "204": {"description": "done"},
               "401": {"description": "no"}, "404": {"description": "none"}, "409": {"description": "taken"},
               "422": {"description": "refused"}}
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"name": {"type": "string", "minLength": 1},
                                         "id": {"type": "string", "readOnly": True}}}}}}
    put = json.loads(json.dumps(body))
    if put_requires_a_name:  # every generated PUT renames the key it is sent to
        put["content"]["application/json"]["schema"]["required"] = ["name"]
    return {
        "openapi": "3.0.3", "info": {"title": "keys", "version": "1"}, "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": {
            "/keys": {"get": {"responses": answers}, "post": {"requestBody": body, "responses": answers}},
            "/keys/{key_id}": {"parameters": key_id, "get": {"responses": answers},
                               "put": {"requestBody": put, "responses": answers}, "delete": {"responses": answers}}},
    }


@pytest.mark.parametrize("renamed_by", ["the crud sequence", "generated requests"])
def test_a_resource_a_put_renamed_is_still_cleaned_up(run_conformance, tmp_path, renamed_by):
    app = RenamedKeys()
    outcome = run_app(run_conformance, tmp_path, app, keys_spec(put_requires_a_name=renamed_by != "the crud sequence"))
    assert app.renames, "no PUT renamed a key: the test shows nothing"
    assert app.keys == {}, app.keys  # every key the suite created is deleted, by the id it has now
    assert reach_of(outcome)["by_operation"]["PUT /keys/{key_id}"]["reached"]
    # the spec leaves a key's name optional, and the API wants one: the suite created its keys with a name
    assert reach_of(outcome)["by_operation"]["GET /keys/{key_id}"]["values"][0]["source"] == "created"


def test_a_body_given_by_the_user_is_an_object_where_the_generator_drew_none(run_conformance, tmp_path):
    app = Zones()
    outcome = run_app(run_conformance, tmp_path, app, zones_spec(typed=False),
                      '--conformance-param=/zones/*:body:changes=[{"op": "replace"}]')
    patch = reach_of(outcome)["by_operation"]["PATCH /zones/{zone_id}"]
    assert patch["reached"], patch
    assert app.scalars == [], app.scalars  # every valid PATCH carried them, none was false or 1.5
