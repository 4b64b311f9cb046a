"""False alarms seen on the real APIs of ../shared/realworld, each fixed and kept here with a loopback server
that behaves the way the real API did (written with Werkzeug, small and to the point)."""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from conformance.rules.naming import resource_segments
from independent.serving import js

KEY = "dns-key"


def run_with(run_conformance, tmp_path, url: str, spec: dict[str, Any], *args: str, profile: str = "featbit",
             catalog: str | None = None, token: str | None = None, **kwargs: Any):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    if catalog is not None:
        (tmp_path / "catalog.yaml").write_text(catalog)
        profile = str(tmp_path / "catalog.yaml")
    return run_conformance(None, f"--conformance-spec={path}", *args, url=url, profile=profile, token=token,
                           forbidden=None, **kwargs)


# -- PowerDNS: routes only /servers/localhost, answers 404 before it looks at the key --------------------
class PowerDNSLike:
    """X-API-Key auth; one server, "localhost", found by GET /servers; zones under it. An unknown server is
    404 before the key is checked (as PowerDNS 4.7 does)."""

    def __init__(self) -> None:
        self.zones: dict[str, dict[str, Any]] = {"example.org.": {"id": "example.org.", "name": "example.org."}}

    def __call__(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p][2:]  # after /api/v1
        if parts[:1] != ["servers"]:
            return js(404, {"error": "Not Found"})
        if len(parts) >= 2 and parts[1] != "localhost":
            return js(404, {"error": "Not Found"})
        if request.headers.get("X-API-Key") != KEY:
            return js(401, {"error": "Unauthorized"}, **{"WWW-Authenticate": 'X-API-Key realm="PowerDNS"'})
        if len(parts) == 1:
            return js(200, [{"id": "localhost", "type": "Server", "url": "/api/v1/servers/localhost"}])
        if len(parts) == 2:
            return js(200, {"id": "localhost", "type": "Server"})
        if len(parts) == 3 and request.method == "GET":
            return js(200, list(self.zones.values()))
        if len(parts) == 3 and request.method == "POST":
            body = request.get_json(silent=True) or {}
            name = body.get("name")
            if not isinstance(name, str) or not name.endswith(".") or name in self.zones:
                return js(422, {"error": "bad zone"})
            self.zones[name] = {"id": name, "name": name}
            return js(201, self.zones[name])
        zone = self.zones.get(parts[3]) if len(parts) == 4 else None
        if zone is None:
            return js(404, {"error": "Could not find domain"})
        if request.method == "DELETE":
            del self.zones[parts[3]]
            return Response(status=204)
        return js(200, zone)


DNS_SPEC = {
    "swagger": "2.0", "info": {"title": "dns", "version": "1"}, "basePath": "/api/v1",
    "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
    "security": [{"key": []}], "produces": ["application/json"], "consumes": ["application/json"],
    "paths": {
        "/servers": {"get": {"responses": {"200": {"description": "servers"}}}},
        "/servers/{server_id}": {"get": {"parameters": [{"name": "server_id", "in": "path", "required": True,
                                                         "type": "string"}],
                                         "responses": {"200": {"description": "one"}}}},
        "/servers/{server_id}/zones": {
            "parameters": [{"name": "server_id", "in": "path", "required": True, "type": "string"}],
            "get": {"responses": {"200": {"description": "zones"}}},
            "post": {"parameters": [{"name": "zone", "in": "body", "required": True, "schema": {
                "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}},
                "example": {"name": "example.com."}}}],
                "responses": {"201": {"description": "created"}, "422": {"description": "bad"}}}},
        "/servers/{server_id}/zones/{zone_id}": {
            "parameters": [{"name": "server_id", "in": "path", "required": True, "type": "string"},
                           {"name": "zone_id", "in": "path", "required": True, "type": "string"}],
            "get": {"responses": {"200": {"description": "zone"}}},
            "delete": {"responses": {"204": {"description": "gone"}}}},
    },
}
DNS_CATALOG = f"""profile: dns
title: FeatBit's conventions with PowerDNS' key header
extends: featbit
auth:
  protects: all
  channels:
    - {{in: header, name: X-API-Key}}
"""


def test_auth_missing_credentials_no_false_positive_invented_parent(serve, run_conformance, tmp_path):
    """PowerDNS: every request under /servers/0/... got 404 before the key was looked at, and the auth rules
    judged those 404s. The server id is in the answer to GET /servers."""
    url = serve(PowerDNSLike()).url + "/api/v1"
    outcome = run_with(run_conformance, tmp_path, url, DNS_SPEC, "-k", "auth", catalog=DNS_CATALOG, token=KEY)
    reach = outcome.report["summary"]["reach"]
    assert reach["reached"] == reach["operations"] == 6, json.dumps(reach, indent=1)
    assert outcome.status("auth.missing-credentials") == "passed", outcome.output()
    assert outcome.status("auth.invalid-credentials") == "passed", outcome.output()
    for operation, verdict in outcome.rule("auth.missing-credentials")["operations"].items():
        assert verdict["status"] == "passed", (operation, verdict)
    zone = reach["by_operation"]["GET /servers/{server_id}/zones/{zone_id}"]
    assert {v["parameter"]: v["source"] for v in zone["values"]}["server_id"] in ("listed", "seen")


def test_cors_preflight_no_false_positive_the_credential_header_of_the_catalog(serve, run_conformance, tmp_path):
    """A catalog that extends featbit with another credential header: the preflight asks for that header (the
    one its clients send), not for FeatBit's Authorization."""
    asked = []

    def handler(request: Request) -> Response:
        if request.method == "OPTIONS":
            asked.append(request.headers.get("Access-Control-Request-Headers", ""))
            return Response(status=204, headers={"Access-Control-Allow-Origin": request.headers.get("Origin", "*"),
                                                 "Access-Control-Allow-Methods": "GET, POST, DELETE",
                                                 "Access-Control-Allow-Headers": "Content-Type, X-API-Key",
                                                 "Vary": "Origin"})
        return PowerDNSLike()(request)

    url = serve(handler).url + "/api/v1"
    outcome = run_with(run_conformance, tmp_path, url, DNS_SPEC, "-k", "preflight", catalog=DNS_CATALOG, token=KEY)
    assert outcome.status("cors.preflight") == "passed", outcome.output()
    assert asked and all("X-API-Key" in a and "Authorization" not in a for a in asked), asked


# -- httpbin: path parameters that are not resource ids ------------------------------------------------
def test_errors_not_found_no_false_positive_a_parameter_that_names_no_resource(serve, run_conformance, tmp_path):
    """httpbin's /anything/{anything} echoes any path and /delay/{delay} takes seconds: no 404 is promised."""
    def handler(request: Request) -> Response:
        if request.path.startswith("/anything/"):
            return js(200, {"url": request.url})
        return js(404, {"message": "not found"})

    spec = {"openapi": "3.0.3", "info": {"title": "echo", "version": "1"}, "paths": {
        "/anything/{anything}": {"get": {"parameters": [{"name": "anything", "in": "path", "required": True,
                                                         "schema": {"type": "string"}}],
                                         "responses": {"200": {"description": "echo"}}}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "not-found", profile="connectnow")
    verdict = outcome.rule("errors.not-found")["operations"]["GET /anything/{anything}"]
    assert verdict["status"] == "skipped" and "is not known to name a resource" in verdict["reason"], verdict


def test_errors_not_found_no_false_positive_a_spec_default_that_names_no_resource(serve, run_conformance, tmp_path):
    """httpbin's /base64/{value} decodes its value; the spec's default is a base64 string, and any other value gets
    200 "Incorrect Base64 data" (issue 18's sweep). A value the spec gives shows what the parameter takes, not that
    it names a resource: errors.not-found has nothing to judge there."""
    import base64
    import binascii

    def handler(request: Request) -> Response:
        if request.path.startswith("/base64/"):
            try:
                return Response(base64.b64decode(request.path[len("/base64/"):], validate=True), mimetype="text/html")
            except (binascii.Error, ValueError):
                return Response("Incorrect Base64 data try: SFRUUEJJTiBpcyBhd2Vzb21l", mimetype="text/html")
        return js(404, {"message": "not found"})

    spec = {"openapi": "3.0.3", "info": {"title": "decoder", "version": "1"}, "paths": {
        "/base64/{value}": {"get": {"parameters": [{"name": "value", "in": "path", "required": True,
                                                    "schema": {"type": "string", "default": "SFRUUEJJTiBpcyBhd2Vzb21l"}}],
                                    "responses": {"200": {"description": "decoded"}}}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "not-found", profile="connectnow")
    verdict = outcome.rule("errors.not-found")["operations"]["GET /base64/{value}"]
    assert verdict["status"] == "skipped" and "is not known to name a resource" in verdict["reason"], verdict


def test_errors_not_found_no_false_positive_the_answer_a_known_id_gets_too(serve, run_conformance, tmp_path):
    """stripe-mock's POST /v1/customers/{customer}/sources wants a `source` the spec does not require: it answered
    400 to every request, for a customer it had listed as for an unknown one, and 404 to an unknown customer only
    once `source` was sent (issue 18's sweep). An operation never reached, whose unknown id gets the very answer
    its known ids got, says nothing about unknown ids; one that answers the unknown id otherwise still fails."""
    def handler(request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if request.headers.get("Authorization") != "Bearer sk":
            return js(401, {"error": {"message": "no key"}}, **{"WWW-Authenticate": "Bearer"})
        if parts == ["customers"]:
            return js(200, {"object": "list", "data": [{"id": "cus_1"}]})
        if len(parts) == 3 and parts[0] == "customers" and parts[2] in ("sources", "notes"):
            if parts[2] == "sources" and "source" not in request.form:
                return js(400, {"error": {"message": "Missing required param: source."}})
            if parts[1] != "cus_1":
                return js(404 if parts[2] == "sources" else 409, {"error": {"message": "No such customer"}})
            return js(400, {"error": {"message": "Missing required param: text."}})
        return js(404, {"error": {"message": "no such path"}})

    def post(props: dict[str, Any]) -> dict[str, Any]:
        return {"parameters": [{"name": "customer", "in": "path", "required": True, "schema": {"type": "string"}}],
                "post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "additionalProperties": False, "properties": props}}}},
                         "responses": {"200": {"description": "done"}}}}

    spec = {"openapi": "3.0.3", "info": {"title": "stripe-like", "version": "1"},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}], "paths": {
                "/customers": {"get": {"responses": {"200": {"description": "customers"}}}},
                "/customers/{customer}/sources": post({"source": {"type": "string", "maxLength": 8}}),
                "/customers/{customer}/notes": post({"text": {"type": "string", "maxLength": 8}})}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "not-found", profile="connectnow",
                       token="sk")
    operations = outcome.rule("errors.not-found")["operations"]
    sources = operations["POST /customers/{customer}/sources"]
    assert sources["status"] == "skipped" and "the answer a known" in sources["reason"], sources
    # never reached either, but the API tells the unknown id apart (409, where the known one got 400): judged
    notes = operations["POST /customers/{customer}/notes"]
    assert notes["status"] == "failed", notes


# -- json-server: the API stores and returns what the client sent -----------------------------------------
def test_dates_iso8601_utc_no_false_positive_the_clients_own_value_echoed(serve, run_conformance, tmp_path):
    """json-server stores any body and echoes it: a createdAt the suite itself sent is not the API's date."""
    posts: list[dict[str, Any]] = [{"id": 1, "title": "a", "createdAt": "2024-01-02T00:00:00Z"}]

    def handler(request: Request) -> Response:
        if request.method == "POST":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return js(400, {"errors": [{"message": "JSON parsing error.", "code": 10000}]})
            body = {**body, "id": len(posts) + 1}
            posts.append(body)
            return js(201, body)
        if request.path.rstrip("/") == "/posts":
            return js(200, posts[:1])
        return js(404, {"errors": [{"message": "not found", "code": 404}]})

    spec = {"openapi": "3.0.3", "info": {"title": "posts", "version": "1"}, "paths": {"/posts": {
        "get": {"responses": {"200": {"description": "posts"}}},
        "post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"title": {"type": "string"},
                                             "createdAt": {"type": "string"}}}}}},
                 "responses": {"201": {"description": "created"}}}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "dates", profile="basic-crud",
                       token="u:p", examples=8)
    assert outcome.status("dates.iso8601-utc") == "passed", outcome.output()


def test_dates_iso8601_utc_no_false_positive_a_value_the_suite_wrote_earlier(serve, run_conformance, tmp_path):
    """json-server (issue 18's sweep): a generated PUT /posts/36 stored createdAt '0788-10-02T08:03:16.28+21:35',
    and the next PATCH of the same post, which sent no createdAt, answered with it. The date is the suite's own,
    written earlier to that resource; the API's own dates (the seed's, and a new post's) are UTC."""
    posts: dict[int, dict[str, Any]] = {1: {"id": 1, "title": "a", "createdAt": "2024-01-02T00:00:00Z"}}

    def handler(request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        body = request.get_json(silent=True)
        if parts == ["posts"] and request.method == "GET":
            return js(200, list(posts.values()))
        if parts == ["posts"] and request.method == "POST" and isinstance(body, dict):
            new = {"createdAt": "2024-06-01T12:00:00Z", **body, "id": max(posts) + 1}
            posts[new["id"]] = new
            return js(201, new)
        post = posts.get(int(parts[1])) if len(parts) == 2 and parts[1].isdigit() else None
        if post is None:
            return js(404, {"errors": [{"message": "not found", "code": 404}]})
        if request.method == "GET":
            return js(200, post)
        if request.method == "DELETE":
            del posts[post["id"]]
            return js(200, {})
        if request.method in ("PUT", "PATCH") and isinstance(body, dict):
            posts[post["id"]] = {**(post if request.method == "PATCH" else {}), **body, "id": post["id"]}
            return js(200, posts[post["id"]])
        return js(400, {"errors": [{"message": "bad request", "code": 10000}]})

    title = {"type": "string", "minLength": 1, "maxLength": 8}
    replace = {"type": "object", "required": ["title", "createdAt"], "additionalProperties": False,
               "properties": {"title": title, "createdAt": {"type": "string", "enum": ["2024-05-01T10:00:00+02:00"]}}}
    patch = {"type": "object", "required": ["title"], "additionalProperties": False, "properties": {"title": title}}
    item = {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "a post"}, "404": {"description": "none"}}},
            "put": {"requestBody": {"required": True, "content": {"application/json": {"schema": replace}}},
                    "responses": {"200": {"description": "replaced"}, "404": {"description": "none"}}},
            "patch": {"requestBody": {"required": True, "content": {"application/json": {"schema": patch}}},
                      "responses": {"200": {"description": "updated"}, "404": {"description": "none"}}},
            "delete": {"responses": {"200": {"description": "deleted"}, "404": {"description": "none"}}}}
    spec = {"openapi": "3.0.3", "info": {"title": "posts", "version": "1"}, "paths": {
        "/posts": {"get": {"responses": {"200": {"description": "posts"}}},
                   "post": {"requestBody": {"required": True, "content": {"application/json": {"schema": patch}}},
                            "responses": {"201": {"description": "created"}}}},
        "/posts/{id}": item}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "dates", profile="basic-crud",
                       token="u:p", examples=6)
    rule = outcome.rule("dates.iso8601-utc")
    assert rule["operations"]["PATCH /posts/{id}"]["status"] == "passed", outcome.output()
    assert rule["status"] == "passed", outcome.output()


def test_dates_iso8601_utc_no_false_positive_under_xdist_a_listing_of_what_another_worker_wrote(
        serve, run_conformance, tmp_path):
    """json-server 1.0 under `-n 2` (issue 18's sweep): GET /posts listed a post another worker had created and
    PUT a generated createdAt '1426-03-06T13:13:35.541+02:33' on. One collection's operations run one after the
    other, on one worker: a listing never shows what the suite is writing halfway, and the writes it does show
    the ledger knows."""
    import time

    posts: dict[int, dict[str, Any]] = {1: {"id": 1, "title": "a", "createdAt": "2024-01-02T00:00:00Z"}}
    created = [1]

    def handler(request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        body = request.get_json(silent=True)
        if parts == ["posts"] and request.method == "GET":
            time.sleep(0.2)  # a listing takes a while: the other worker's writes happen meanwhile
            return js(200, list(posts.values()))
        if parts == ["posts"] and request.method == "POST" and isinstance(body, dict):
            created[0] += 1
            posts[created[0]] = {"createdAt": "2024-06-01T12:00:00Z", **body, "id": created[0]}
            return js(201, posts[created[0]])
        post = posts.get(int(parts[1])) if len(parts) == 2 and parts[1].isdigit() else None
        if post is None:
            return js(404, {"errors": [{"message": "not found", "code": 404}]})
        if request.method == "GET":
            return js(200, post)
        if request.method == "DELETE":
            del posts[post["id"]]
            return js(200, {})
        if request.method == "PUT" and isinstance(body, dict):
            posts[post["id"]] = {**body, "id": post["id"]}
            time.sleep(0.3)  # the stored date stays while the answer takes its time
            return js(200, posts[post["id"]])
        return js(400, {"errors": [{"message": "bad request", "code": 10000}]})

    title = {"type": "string", "minLength": 1, "maxLength": 8}
    replace = {"type": "object", "required": ["title", "createdAt"], "additionalProperties": False,
               "properties": {"title": title, "createdAt": {"type": "string", "enum": ["2024-05-01T10:00:00+02:00"]}}}
    spec = {"openapi": "3.0.3", "info": {"title": "posts", "version": "1"}, "paths": {
        "/posts": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"}}],
                           "responses": {"200": {"description": "posts"}}},
                   "post": {"requestBody": {"required": True, "content": {"application/json": {"schema": {
                       "type": "object", "required": ["title"], "additionalProperties": False,
                       "properties": {"title": title}}}}}, "responses": {"201": {"description": "created"}}}},
        "/posts/{id}": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                        "put": {"requestBody": {"required": True, "content": {"application/json": {"schema": replace}}},
                                "responses": {"200": {"description": "replaced"}}},
                        "delete": {"responses": {"200": {"description": "deleted"}}}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "dates", "-n", "2",
                       "--conformance-concurrency=1", profile="basic-crud", token="u:p", examples=10)
    print(outcome.rule("dates.iso8601-utc")["operations"], outcome.output()[-3000:]); assert outcome.rule("dates.iso8601-utc")["operations"]["GET /posts"]["status"] == "passed", outcome.output()


# -- Kinto: DELETE on a collection path removes everything ------------------------------------------------
def test_generated_writes_never_touch_a_whole_collection(serve, run_conformance, tmp_path):
    """Kinto: a generated DELETE /v1/buckets (no id) removed every bucket and a DELETE /v1/accounts the admin
    itself. A write on a path that names no resource of the suite's own is never sent."""
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(f"{request.method} {request.path}")
        if request.path == "/buckets":
            return js(200, {"data": [{"id": "b1"}]}) if request.method == "GET" else js(200, {"data": []})
        return js(404, {"message": "not found"})

    spec = {"openapi": "3.0.3", "info": {"title": "buckets", "version": "1"}, "paths": {"/buckets": {
        "get": {"responses": {"200": {"description": "list"}}},
        "delete": {"responses": {"200": {"description": "deleted every bucket"}}},
        "put": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "replaced every bucket"}}}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, profile="basic-crud", token="u:p")
    assert not [s for s in seen if s.startswith(("DELETE", "PUT"))], seen
    delete = outcome.rule("server-errors.no-5xx")["operations"]["DELETE /buckets"]
    assert delete["status"] == "skipped" and "would change a resource the suite did not create" in delete["reason"]


# -- DRF, Stripe, Jupyter: the naming rules -----------------------------------------------------------------
def test_naming_plural_resources_no_false_positive_namespaces_actions_and_files():
    paths = {"/v1/treasury/financial_accounts", "/v1/treasury/financial_accounts/{id}", "/v1/charges",
             "/v1/charges/{charge}", "/v1/charges/{charge}/capture", "/api/spec.yaml", "/v1/account"}
    methods = {"/v1/charges/{charge}/capture": {"POST"}, "/v1/account": {"GET"}}
    judged = {p: resource_segments(p, {"v1", "api"}, paths, methods) for p in paths}
    assert judged["/v1/treasury/financial_accounts/{id}"] == ["financial_accounts"]  # not the namespace
    assert judged["/v1/charges/{charge}/capture"] == ["charges"]  # not the action
    assert judged["/api/spec.yaml"] == []  # not a file
    assert judged["/v1/account"] == ["account"]  # a readable singular resource is still judged


def test_naming_item_under_collection_no_false_positive_trailing_slash(serve, run_conformance, tmp_path):
    """DRF: /api/articles/{id}/ lives under /api/articles/ (with its slash)."""
    def handler(request: Request) -> Response:
        return js(200, [])

    ok = {"200": {"description": "ok"}}
    spec = {"openapi": "3.0.3", "info": {"title": "drf", "version": "1"}, "paths": {
        "/api/articles/": {"get": {"responses": ok}},
        "/api/articles/{id}/": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                        "schema": {"type": "integer"}}], "responses": ok}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-m", "naming", profile="connectnow")
    assert outcome.status("naming.item-under-collection") == "passed", outcome.output()


def test_a_resource_is_created_after_one_the_api_listed(serve, run_conformance, tmp_path):
    """PowerDNS' spec gives a zone no required field and no example, yet the API wants a canonical name
    ("example.org."): the suite creates one modelled on a zone it listed, and deletes it again."""
    api = PowerDNSLike()
    spec = json.loads(json.dumps(DNS_SPEC))
    zone = spec["paths"]["/servers/{server_id}/zones"]["post"]["parameters"][0]["schema"]
    del zone["required"], zone["example"]
    url = serve(api).url + "/api/v1"
    outcome = run_with(run_conformance, tmp_path, url, spec, "-k", "auth", catalog=DNS_CATALOG, token=KEY)
    delete = outcome.report["summary"]["reach"]["by_operation"]["DELETE /servers/{server_id}/zones/{zone_id}"]
    assert delete["reached"], delete
    created = {v["parameter"]: v for v in delete["values"]}["zone_id"]
    assert created["source"] == "created" and created["value"].endswith("example.org."), created
    assert list(api.zones) == ["example.org."], "what the suite created it deleted again"


def test_schema_response_conformance_no_false_positive_a_yaml_body(serve, run_conformance, tmp_path):
    """Jupyter's GET /api/spec.yaml answers text/x-yaml, documented as a string: schemathesis parses the YAML
    into an object and reports it is not a string. A body that is not JSON is the content-type rules' to judge."""
    def handler(request: Request) -> Response:
        return Response("openapi: 3.0.0\ninfo: {title: x}\n", status=200, mimetype="text/x-yaml")

    spec = {"openapi": "3.0.3", "info": {"title": "spec", "version": "1"}, "paths": {"/api/spec.yaml": {"get": {
        "responses": {"200": {"description": "the spec", "content": {"text/x-yaml": {"schema": {"type": "string"}}}}}}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "response-conformance",
                       profile="connectnow")
    assert outcome.status("schema.response-conformance") != "failed", outcome.output()


# -- DRF: readOnly fields in the spec's required list ------------------------------------------------------
class ArticlesLike:
    """A DRF-like API: the spec lists the readOnly id, owner and created_at as required; a client sends only
    title. A title that is not a string is refused with 422 (ConnectNow's status); a client's id is ignored."""

    def __init__(self) -> None:
        self.articles: dict[int, dict[str, Any]] = {}
        self.next = 1

    def __call__(self, request: Request) -> Response:
        if request.headers.get("Authorization") != "Bearer drf-token":
            return js(401, {"message": "Unauthenticated."}, **{"WWW-Authenticate": "Bearer"})
        parts = [p for p in request.path.split("/") if p]
        body = request.get_json(silent=True) if request.method in ("POST", "PATCH") else None
        if request.method in ("POST", "PATCH"):
            if not isinstance(body, dict) or ("title" in body and not isinstance(body["title"], str)) or \
                    (request.method == "POST" and not body.get("title")):
                return js(422, {"message": "The given data was invalid.", "errors": {"title": ["invalid"]}})
        if parts == ["api", "articles"]:
            if request.method == "POST":
                article = {"id": self.next, "title": body["title"], "owner": "alice", "created_at": "2024-01-01T00:00:00Z"}
                self.articles[self.next] = article
                self.next += 1
                return js(201, article)
            return js(200, list(self.articles.values()))
        if len(parts) == 3 and parts[2].isdigit() and int(parts[2]) in self.articles:
            article = self.articles[int(parts[2])]
            if request.method == "DELETE":
                del self.articles[int(parts[2])]
                return Response(status=204)
            if request.method == "PATCH":
                article["title"] = body.get("title", article["title"])
            return js(200, article)
        return js(404, {"message": "Not found."})


ARTICLE = {"type": "object", "required": ["id", "owner", "created_at", "title"], "properties": {
    "id": {"type": "integer", "readOnly": True}, "owner": {"type": "string", "readOnly": True},
    "created_at": {"type": "string", "format": "date-time", "readOnly": True},
    "title": {"type": "string", "maxLength": 100}}}
ARTICLES_SPEC = {
    "openapi": "3.0.3", "info": {"title": "articles", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/articles/": {
            "get": {"responses": {"200": {"description": "list"}}},
            "post": {"requestBody": {"required": True, "content": {"application/json": {"schema": ARTICLE}}},
                     "responses": {"201": {"description": "created"}, "422": {"description": "invalid"}}}},
        "/api/articles/{id}/": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "one"}}},
            "patch": {"requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": ARTICLE["properties"]}}}},
                "responses": {"200": {"description": "changed"}, "422": {"description": "invalid"}}},
            "delete": {"responses": {"204": {"description": "gone"}}}},
    },
}


def test_errors_invalid_input_no_false_positive_a_read_only_field(serve, run_conformance, tmp_path):
    """DRF ignores a client's value for a readOnly field (id), rightly: breaking it breaks nothing. And a body
    to create with leaves the readOnly fields out although the spec lists them as required."""
    api = ArticlesLike()
    outcome = run_with(run_conformance, tmp_path, serve(api).url, ARTICLES_SPEC, "-k", "invalid-input or valid-cred",
                       profile="connectnow", token="drf-token")
    assert outcome.status("errors.invalid-input") == "passed", outcome.output()
    assert all("'id'" not in v["message"] for v in outcome.rule("errors.invalid-input")["violations"])
    reach = outcome.report["summary"]["reach"]
    assert reach["reached"] == reach["operations"] == 5, json.dumps(reach, indent=1)
    assert api.articles == {}, "what the suite created it deleted again"


def test_naming_plural_resources_no_false_positive_the_spec_endpoint(serve, run_conformance, tmp_path):
    """DRF serves its description at GET /api/schema/: a document, not a resource."""
    def handler(request: Request) -> Response:
        if request.path == "/api/schema/":
            return js(200, spec)
        return js(200, [])

    ok = {"200": {"description": "ok"}}
    spec = {"openapi": "3.0.3", "info": {"title": "drf", "version": "1"}, "paths": {
        "/api/schema/": {"get": {"responses": ok}}, "/api/articles/": {"get": {"responses": ok}}}}
    server = serve(handler)
    outcome = run_conformance(None, f"--conformance-spec={server.url}/api/schema/", "-m", "naming", url=server.url,
                              profile="connectnow", token=None, forbidden=None)
    verdict = outcome.rule("naming.plural-resources")["operations"]["GET /api/schema/"]
    assert verdict["status"] == "passed", verdict


# -- Kinto: 403 for what does not exist; PATCH merges into the "data" envelope --------------------------------
class KintoLike:
    """Records live under {"data": {...}}; PATCH merges its "data" object into the record; what does not exist
    (or may not be seen) answers 403, as Kinto does. Buckets cannot be created (no POST)."""

    def __init__(self) -> None:
        self.records = {"r1": {"id": "r1", "n": 1}}
        self.created = 1  # ids are never reused (r{len + 1} reused a deleted record's id: a flaky verdict)

    def __call__(self, request: Request) -> Response:
        if request.headers.get("Authorization") not in ("Bearer kinto", "Bearer reader"):
            return js(401, {"code": 401, "message": "Please authenticate yourself"}, **{"WWW-Authenticate": "Bearer"})
        parts = [p for p in request.path.split("/") if p]
        if parts[:3] != ["buckets", "b1", "records"]:
            return js(403, {"code": 403, "message": "This user cannot access this resource."})
        if len(parts) == 3:
            if request.method == "POST":
                if request.headers.get("Authorization") == "Bearer reader":
                    return js(403, {"code": 403, "message": "Forbidden"})
                body = request.get_json(silent=True) or {}
                self.created += 1
                record = {"id": f"r{self.created}", **(body.get("data") or {})}
                self.records[record["id"]] = record
                return js(201, {"data": record})
            return js(200, {"data": list(self.records.values())})
        record = self.records.get(parts[3])
        if record is None:
            return js(403, {"code": 403, "message": "This user cannot access this resource."})
        if request.method != "GET" and request.headers.get("Authorization") == "Bearer reader":
            return js(403, {"code": 403, "message": "Forbidden"})
        if request.method == "DELETE":
            del self.records[parts[3]]
            return js(200, {"data": {"id": parts[3], "deleted": True}})
        if request.method == "PATCH":
            record.update((request.get_json(silent=True) or {}).get("data") or {})
        return js(200, {"data": record})


DATA = {"type": "object", "properties": {"data": {"type": "object"}}}
KINTO_SPEC = {
    "openapi": "3.0.3", "info": {"title": "kinto", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/buckets/{bucket_id}/groups": {"parameters": [{"name": "bucket_id", "in": "path", "required": True,
                                                         "schema": {"type": "string"}}],
                                         "get": {"responses": {"200": {"description": "groups"}}}},
        "/buckets/{bucket_id}/records": {
            "parameters": [{"name": "bucket_id", "in": "path", "required": True, "schema": {"type": "string"},
                            "example": "b1"}],
            "get": {"responses": {"200": {"description": "records"}}},
            "post": {"requestBody": {"content": {"application/json": {"schema": DATA}}},
                     "responses": {"201": {"description": "created"}}}},
        "/buckets/{bucket_id}/records/{id}": {
            "parameters": [{"name": "bucket_id", "in": "path", "required": True, "schema": {"type": "string"},
                            "example": "b1"},
                           {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"responses": {"200": {"description": "one"}}},
            "patch": {"requestBody": {"content": {"application/json": {"schema": DATA}}},
                      "responses": {"200": {"description": "merged"}}},
            "delete": {"responses": {"200": {"description": "deleted"}}}},
    },
}


BEARER_ONLY = ("profile: kinto-like\ntitle: ConnectNow's conventions, the token as a Bearer only\nextends: connectnow\n"
               "auth:\n  channels:\n    - {in: header, name: Authorization, format: \"Bearer {token}\"}\n")


def test_auth_valid_credentials_no_false_positive_a_hidden_missing_resource(serve, run_conformance, tmp_path):
    """Kinto answers 403 for a bucket that does not exist (it hides what a user may not see): where no bucket
    is known, a 403 to the valid credential is no proof the credential was refused."""
    outcome = run_with(run_conformance, tmp_path, serve(KintoLike()).url, KINTO_SPEC, "-k", "credentials",
                       catalog=BEARER_ONLY, token="kinto")
    groups = outcome.rule("auth.valid-credentials")["operations"]["GET /buckets/{bucket_id}/groups"]
    assert groups["status"] == "skipped" and "not known to exist" in groups["reason"], groups
    assert "auth.valid-credentials" not in outcome.failed, outcome.output()


def test_methods_patch_partial_no_false_positive_a_merge_into_an_envelope(serve, run_conformance, tmp_path):
    """Kinto's PATCH {"data": {...}} merges keys into the record: PATCHing an object field tells nothing about
    the other fields, so only a field with one clear (scalar) value is patched."""
    outcome = run_with(run_conformance, tmp_path, serve(KintoLike()).url, KINTO_SPEC, "-k", "patch-partial",
                       catalog="profile: kinto-crud\ntitle: basic-crud, bearer\nextends: basic-crud\nauth:\n"
                               "  channels:\n    - {in: header, name: Authorization, format: \"Bearer {token}\"}\n",
                       token="kinto")
    assert "methods.patch-partial" not in outcome.failed, outcome.output()
    verdict = outcome.rule("methods.patch-partial")["operations"]["PATCH /buckets/{bucket_id}/records/{id}"]
    assert verdict["status"] == "skipped" and "no scalar field" in verdict["reason"], verdict


def test_a_forbidden_credential_answered_401_is_one_finding(serve, run_conformance, tmp_path):
    """A credential without permission that gets 401 where the valid one is accepted is either not valid at all
    or meets an API that answers 401 for want of permission: one finding, where it was checked, not one per
    operation."""
    outcome = run_with(run_conformance, tmp_path, serve(KintoLike()).url, KINTO_SPEC, "-k", "forbidden",
                       catalog=BEARER_ONLY, token="kinto")
    assert outcome.status("auth.forbidden-credentials") != "failed", outcome.output()  # no forbidden token: skipped
    rerun = run_conformance(None, f"--conformance-spec={tmp_path / 'spec.json'}", "-k", "forbidden",
                            url=outcome.report["summary"]["target"], profile=str(tmp_path / "catalog.yaml"),
                            token="kinto", forbidden="not-a-user")
    verdicts = rerun.rule("auth.forbidden-credentials")["operations"]
    failed = [op for op, v in verdicts.items() if v["status"] == "failed"]
    assert len(failed) == 1, verdicts
    assert all("not judged again here" in v["reason"] for op, v in verdicts.items()
               if v["status"] == "skipped" and op not in failed and "not known to exist" not in v["reason"])


# -- stripe-mock: a probe's answer off the spec, on an item path ----------------------------------------------
THINGS_SPEC = {
    "openapi": "3.0.3", "info": {"title": "things", "version": "1"},
    "components": {"schemas": {"T": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}},
    "paths": {
        "/things": {"get": {"responses": {"200": {"description": "all", "content": {"application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/T"}}}}}}}},
        "/things/{id}": {"get": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "one", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/T"}}}}}}},
    },
}


def test_a_probe_answer_off_the_spec_on_an_item_path_is_a_finding_with_its_curl(serve, run_conformance, tmp_path):
    """The unknown-id probe's 404 is not in the spec. Validating a probe's answer once went through a
    schemathesis Case without path parameters, and schemathesis, rendering the failure's curl command, raised
    KeyError: 'id' (an error in the item instead of the finding; on Stripe, 1 of 7,470 items, by timing)."""
    def handler(request: Request) -> Response:
        if request.path == "/things":
            return js(200, [{"id": "t1"}])
        if request.path == "/things/t1":
            return js(200, {"id": "t1"})
        return js(404, {"error": "no such thing"})

    server = serve(handler)
    outcome = run_with(run_conformance, tmp_path, server.url, THINGS_SPEC, profile="connectnow", token="x")
    out = outcome.output()
    assert "KeyError" not in out and "InvalidSchema" not in out, out
    assert outcome.rule("schema.status-documented")["operations"]["GET /things/{id}"]["status"] == "failed", out
    assert any("Undocumented status code: Received: 404" in m for m in outcome.messages("schema.status-documented"))
    assert re.search(r"curl -X GET http://127\.0\.0\.1:\d+/things/conformance-unknown-\w+ ", out), out


# -- httpbin: `type: int` on 17 path parameters, which schemathesis rejects only while drawing ----------------
BYTES_SPEC = {
    "swagger": "2.0", "info": {"title": "bytes", "version": "1"}, "produces": ["application/json"],
    "paths": {
        "/uuids": {"get": {"responses": {"200": {"description": "one uuid"}}}},
        "/bytes/{n}": {"get": {"parameters": [{"name": "n", "in": "path", "required": True, "type": "int"}],
                               "responses": {"200": {"description": "n bytes"}}}},
    },
}


def test_an_operation_schemathesis_cannot_draw_for_is_one_finding_no_false_positive_on_its_rules(
        serve, run_conformance, tmp_path):
    """httpbin 0.10.4 declares `type: int` on /bytes/{n} and 16 other paths. Every rule on those operations used
    to fail with schemathesis' RejectedSchemaDefinition traceback (289 FAILED items, none a claim about the
    API). Now each such operation is one finding about the spec, its other rules are skipped with the reason,
    the rest of the API is judged as usual, and the run fails (never a silent pass)."""
    def handler(request: Request) -> Response:
        if request.path == "/uuids" and request.method in ("GET", "HEAD"):
            return js(200, [{"uuid": "6f1c"}])
        if request.path == "/uuids":
            return js(405, {"error": "Method Not Allowed"}, Allow="GET, HEAD")
        return js(404, {"error": "Not Found"})

    server = serve(handler)
    outcome = run_with(run_conformance, tmp_path, server.url, BYTES_SPEC, profile="connectnow", token="x")
    out = outcome.output()
    assert "RejectedSchemaDefinition" not in out and "Traceback" not in out, out
    told = 'its definition in the spec cannot be used to draw requests (Invalid `type` definition at ' \
           'properties -> n -> type: "int")'
    assert outcome.result.parseoutcomes()["failed"] == 1, out  # one item tells it, once
    assert re.search(r"FAILED conformance::GET /bytes/\{n\}::[\w.-]+ - This operation cannot be", out), out
    cells = {rule["id"]: rule["operations"]["GET /bytes/{n}"] for rule in outcome.report["rules"]}
    detail = 'definition in the spec cannot be used to draw requests (Invalid `type` definition at properties -> ' \
             'n -> type: "int")'
    told_there = [rule for rule, cell in cells.items() if detail in cell.get("reason", "")]
    assert len(told_there) > 5 and all(cells[rule]["status"] == "skipped" for rule in told_there), cells
    assert [e["operation"] for e in outcome.report["summary"]["errors"]] == ["GET /bytes/{n}"]
    assert outcome.report["summary"]["verdict"] == "failed" and outcome.ret == 1, out
    assert f"ERROR on GET /bytes/{{n}}: This operation cannot be tested: {told}" in out
    assert "UNREACHED GET /bytes/{n}: its definition in the spec cannot be used to draw requests" in out
    assert outcome.failed == set(), outcome.failed  # no rule failed: the spec is at fault, not the API
    uuids = {rule["id"]: rule["operations"].get("GET /uuids", {}).get("status") for rule in outcome.report["rules"]}
    assert uuids["methods.head"] == uuids["methods.allow-header"] == "passed", uuids  # the rest, as usual


DELETE_REMOVES = ("profile: kinto-delete\ntitle: DELETE removes, bearer\nextends: http\n"
                  "documents: [{file: guide.md, title: A guide}]\nrules:\n"
                  "  - {id: methods.delete-removes, category: methods, title: DELETE removes the resource, "
                  "severity: must, source: {document: guide.md, section: DELETE, quote: 'DELETE removes the resource.'}, "
                  "applies_to: {methods: [DELETE]}}\n"
                  "auth:\n  channels:\n    - {in: header, name: Authorization, format: \"Bearer {token}\"}\n")


def test_methods_delete_removes_no_false_positive_gone_answered_as_never_issued(serve, run_conformance, tmp_path):
    """Kinto answers 403 for a record that does not exist, deleted or never issued alike (seen with the catalog
    derived from the Microsoft REST API Guidelines on the Kinto target): after the DELETE the record answers as
    an id never issued does, so it is gone. Where the document names the status (404), 403 still fails."""
    outcome = run_with(run_conformance, tmp_path, serve(KintoLike()).url, KINTO_SPEC, "-k", "delete-removes",
                       catalog=DELETE_REMOVES, token="kinto")
    assert outcome.status("methods.delete-removes") == "passed", outcome.output()
    strict = DELETE_REMOVES.replace("applies_to:", "params: {status: 404}, applies_to:")
    outcome = run_with(run_conformance, tmp_path, serve(KintoLike()).url, KINTO_SPEC, "-k", "delete-removes",
                       catalog=strict, token="kinto")
    assert outcome.status("methods.delete-removes") == "failed"
    assert "After DELETE answered 200, GET of the same resource answered 403; expected 404." in outcome.output()


# -- stripe-mock's cards: nothing in the spec lists or creates one, so a write goes to an id that does not exist --
def test_methods_not_allowed_no_false_positive_a_404_for_an_id_that_does_not_exist(serve, run_conformance, tmp_path):
    """GET /v1/customers/{customer}/cards/{id} is read with the card the user names; the suite can create no card,
    so the wrong-method probe's PATCH goes to an id that does not exist, and the API answers 404 for that id, as
    it would to any method: no claim about PATCH (on the real card it answers 405)."""
    def handler(request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if parts == ["customers", "cus_1", "cards", "card_1"]:
            if request.method == "GET":
                return js(200, {"id": "card_1", "object": "card", "customer": "cus_1"})
            return js(405, {"error": {"message": "Unrecognized request method"}}, Allow="GET")
        return js(404, {"error": {"message": "No such card"}})

    param = lambda name: {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}  # noqa: E731
    spec = {"openapi": "3.0.3", "info": {"title": "cards", "version": "1"}, "paths": {
        "/customers/{customer}/cards/{id}": {"parameters": [param("customer"), param("id")],
                                             "get": {"responses": {"200": {"description": "a card"}}}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "not-allowed",
                       "--conformance-param=customer=cus_1", "--conformance-param=id=card_1", profile="connectnow")
    judged = outcome.rule("methods.not-allowed")["operations"]["GET /customers/{customer}/cards/{id}"]
    assert judged["status"] == "skipped" and "that does not exist" in judged["reason"], judged


# -- Stripe: POST to the path of one resource updates it; POST to an action acts on it -------------------------
def test_methods_create_status_no_false_positive_a_post_that_updates_or_acts(serve, run_conformance, tmp_path):
    """Stripe updates a customer with POST /v1/customers/{customer} and captures a charge with POST
    /v1/charges/{charge}/capture, both answered 200: neither creates anything, so neither owes a 201. The POST
    that creates (201 here) is still judged."""
    customers: dict[str, dict[str, Any]] = {}

    def handler(request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if parts == ["customers"] and request.method == "POST":
            new = f"cus_{len(customers) + 1}"
            customers[new] = {"id": new, "object": "customer", "captured": False}
            return js(201, customers[new], Location=f"/customers/{new}")
        if len(parts) >= 2 and parts[0] == "customers" and parts[1] in customers:
            customer = customers[parts[1]]
            if len(parts) == 2 and request.method == "GET":
                return js(200, customer)
            if len(parts) == 2 and request.method == "DELETE":
                return js(200, {**customers.pop(parts[1]), "deleted": True})
            if len(parts) == 2 and request.method == "POST":
                return js(200, customer)
            if parts[2:] == ["capture"] and request.method == "POST":
                customer["captured"] = True
                return js(200, customer)
        return js(404, {"error": {"message": "No such customer"}})

    item = [{"name": "customer", "in": "path", "required": True, "schema": {"type": "string"}}]
    form = {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {"description": {"type": "string", "maxLength": 10}}}}}}
    answers = {"200": {"description": "ok"}, "201": {"description": "created"}, "404": {"description": "none"}}
    spec = {"openapi": "3.0.3", "info": {"title": "customers", "version": "1"}, "paths": {
        "/customers": {"post": {"requestBody": form, "responses": answers}},
        "/customers/{customer}": {"parameters": item, "get": {"responses": answers},
                                  "post": {"requestBody": form, "responses": answers},
                                  "delete": {"responses": answers}},
        "/customers/{customer}/capture": {"parameters": item, "post": {"responses": answers}}}}
    outcome = run_with(run_conformance, tmp_path, serve(handler).url, spec, "-k", "create-status", profile="connectnow")
    operations = outcome.rule("methods.create-status")["operations"]
    assert operations["POST /customers"]["status"] == "passed", operations
    assert operations["POST /customers/{customer}"]["status"] == "not-applicable", operations
    assert "updates it" in operations["POST /customers/{customer}"]["reason"]
    assert operations["POST /customers/{customer}/capture"]["status"] == "not-applicable", operations
