"""Every verdict rests on evidence that can prove it (issue 18), on servers written unlike ours (Werkzeug, their
own routing): a refused credential silences only what needs it, a refusal is not a claim about permissions,
the operation that serves the spec is not a resource, and every answer is judged by every rule it can prove."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from conformance.run import load_catalog
from conformance.rules import CHECKS
from independent.serving import js


def text(status: int, body: str, **headers: str) -> Response:
    return Response(body, status=status, mimetype="text/plain", headers=headers)


def run_with(run_conformance, tmp_path, url: str, spec: dict[str, Any], *, profile: str, token: str,
             forbidden: str | None = None):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return run_conformance(None, f"--conformance-spec={path}", url=url, profile=profile, token=token,
                           forbidden=forbidden)


def needs_credential(profile: str, rule_id: str) -> bool:
    return CHECKS[load_catalog(profile).rule(rule_id).check].needs_credential


# -- PowerDNS-like: the key travels in X-API-Key; every error is text/plain -------------------------------
JSON_OK = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
POWERDNS_SPEC = {
    "openapi": "3.0.3", "info": {"title": "dns", "version": "1"},
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
    "security": [{"key": []}],
    "paths": {
        "/api/v1/servers": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "array", "items": {"type": "object"}}}}}}}},
        "/api/v1/servers/{server_id}": {
            "parameters": [{"name": "server_id", "in": "path", "required": True, "schema": {"type": "string"},
                            "example": "localhost"}],
            "get": {"responses": {"200": JSON_OK}}},
    },
}


def powerdns_like(request: Request) -> Response:
    parts = [p for p in request.path.split("/") if p]
    if parts[:3] != ["api", "v1", "servers"] or len(parts) > 4:
        return text(404, "Not Found")
    if request.method != "GET":
        return text(405, "Method Not Allowed", Allow="GET")
    if request.headers.get("X-API-Key") != "dns-key":
        return text(401, "Unauthorized", **{"WWW-Authenticate": 'X-API-Key realm="dns"'})
    if len(parts) == 3:
        return js(200, [{"id": "localhost"}])
    return js(200, {"id": parts[3]}) if parts[3] == "localhost" else text(404, "Not Found")


def test_a_refused_credential_still_leaves_plain_text_errors_a_finding(serve, run_conformance, tmp_path):
    """featbit sends the key in Authorization; this API reads X-API-Key. The refusal is one finding, and the
    text/plain answers it got break the JSON promise whatever the credential."""
    server = serve(powerdns_like)
    outcome = run_with(run_conformance, tmp_path, server.url, POWERDNS_SPEC, profile="featbit", token="dns-key")
    assert outcome.ret == 1, outcome.output()
    assert outcome.report["summary"]["credential"]["status"] == "refused"
    assert {"auth.valid-credentials", "content-type.json-response", "errors.envelope"} <= outcome.failed, \
        outcome.output()
    assert any("Content-Type is 'text/plain; charset=utf-8' on a 401 response" in m
               for m in outcome.messages("content-type.json-response")), outcome.messages("content-type.json-response")
    for rule_id in outcome.failed:  # nothing that needs an accepted credential claims anything
        assert not needs_credential("featbit", rule_id), (rule_id, outcome.messages(rule_id))
    for rule in outcome.report["rules"]:
        if needs_credential("featbit", rule["id"]):
            for verdict in rule["operations"].values():
                assert verdict["status"] in ("skipped", "not-applicable"), (rule["id"], verdict)


# -- DRF-like: reads only "Authorization: Token <key>"; reads are public; serves its own schema -----------
DRF_SPEC = {
    "openapi": "3.0.3", "info": {"title": "notes", "version": "1"},
    "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/schema/": {"get": {"security": [], "responses": {"200": {"description": "the schema", "content": {
            "application/vnd.oai.openapi": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "object"}},
            "application/vnd.oai.openapi+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}}}}}}},
        "/api/notes/": {
            "get": {"security": [], "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "array", "items": {"type": "object"}}}}}}},
            "post": {"security": [{"token": []}],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}}}},
                     "responses": {"201": JSON_OK, "400": JSON_OK, "401": JSON_OK, "403": JSON_OK}}},
    },
}


def drf_like(request: Request) -> Response:
    if request.path == "/api/schema/":
        if request.method not in ("GET", "HEAD"):
            return js(405, {"detail": f'Method "{request.method}" not allowed.'}, Allow="GET, HEAD, OPTIONS")
        return Response("openapi: 3.0.3\n", mimetype="application/vnd.oai.openapi")
    if request.path != "/api/notes/":
        return js(404, {"detail": "Not found."})
    if request.method in ("GET", "HEAD"):
        return js(200, [{"id": 1, "text": "hello"}])
    # DRF authenticates and checks permissions before it dispatches on the method
    if request.headers.get("Authorization") not in ("Token drf-key", "Token drf-readonly"):
        return js(401, {"detail": "Authentication credentials were not provided."}, **{"WWW-Authenticate": "Token"})
    if request.method != "POST":
        return js(405, {"detail": f'Method "{request.method}" not allowed.'}, Allow="GET, POST, HEAD, OPTIONS")
    if request.headers.get("Authorization") == "Token drf-readonly":
        return js(403, {"detail": "You do not have permission to perform this action."})
    return js(201, {"id": 2, "text": "created"})


def test_no_false_positive_on_permissions_where_the_api_never_took_the_credential(serve, run_conformance, tmp_path):
    """connectnow sends Bearer; DRF reads only Token. Its POST answers 401 to both credentials: that the valid
    one is refused is the finding; nothing follows about the permission of the other, or about methods."""
    server = serve(drf_like)
    outcome = run_with(run_conformance, tmp_path, server.url, DRF_SPEC, profile="connectnow", token="drf-key",
                       forbidden="drf-readonly")
    assert outcome.status("auth.valid-credentials") == "failed", outcome.output()
    post = outcome.rule("auth.valid-credentials")["operations"]["POST /api/notes/"]
    assert post["status"] == "failed"
    assert outcome.status("auth.forbidden-credentials") != "failed", outcome.messages("auth.forbidden-credentials")
    forbidden = outcome.rule("auth.forbidden-credentials")["operations"]["POST /api/notes/"]
    assert forbidden["status"] == "skipped"
    assert "answered 401 to the valid credential" in forbidden["reason"], forbidden
    assert "methods.not-allowed" not in outcome.failed, outcome.messages("methods.not-allowed")


def test_no_false_positive_the_operation_that_serves_the_spec_is_not_a_resource(serve, run_conformance, tmp_path):
    server = serve(drf_like)
    outcome = run_with(run_conformance, tmp_path, server.url, DRF_SPEC, profile="connectnow", token="drf-key")
    schema = outcome.rule("content-type.json-response")["operations"]["GET /api/schema/"]
    assert schema["status"] == "not-applicable", schema
    assert "serves the API description itself" in schema["reason"]
    assert outcome.rule("content-type.json-response")["operations"]["GET /api/notes/"]["status"] == "passed"


# -- A ConnectNow-style shop on Werkzeug that keeps the document, with one fault at a time ------------------
SHOP_SPEC = {
    "openapi": "3.0.3", "info": {"title": "shop", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/orders": {
            "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "array", "items": {"type": "object"}}}}}, "401": JSON_OK}},
            "post": {"requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["item"], "properties": {"item": {"type": "string", "minLength": 1}}}}}},
                "responses": {"201": JSON_OK, "400": JSON_OK, "401": JSON_OK, "405": JSON_OK, "415": JSON_OK,
                              "422": JSON_OK}}},
        "/api/orders/{order}": {
            "parameters": [{"name": "order", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"responses": {"200": JSON_OK, "401": JSON_OK, "404": JSON_OK, "405": JSON_OK}},
            "delete": {"responses": {"204": {"description": "gone"}, "401": JSON_OK, "404": JSON_OK,
                                     "405": JSON_OK}}},
    },
}


class Shop:
    """Orders keyed by a slug; Bearer tokens; 422 for anything malformed; JSON everywhere, unless a fault says."""

    def __init__(self, fault: str = "") -> None:
        self.fault = fault
        self.orders: dict[str, dict[str, Any]] = {"first-order": {"order": "first-order", "item": "tea"}}
        self.count = 0

    @staticmethod
    def token(request: Request) -> str | None:
        """The three ways the document lets the token travel: Bearer, ?api_token=, or api_token in the body."""
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header[len("Bearer "):]
        if "api_token" in request.args:
            return request.args["api_token"]
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            return None
        return body.get("api_token") if isinstance(body, dict) else None

    def __call__(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if parts[:2] != ["api", "orders"] or len(parts) > 3:
            return js(404, {"message": "The resource you are looking for does not exist"})
        if self.token(request) != "shop-key":
            return js(401, {"message": "Unauthenticated"}, **{"WWW-Authenticate": "Bearer"})
        allowed = ["GET", "POST"] if len(parts) == 2 else ["GET", "DELETE"]
        if request.method not in allowed:
            if self.fault == "html-405":
                return Response("<h1>Method not allowed</h1>", status=405, mimetype="text/html",
                                headers={"Allow": ", ".join(allowed)})
            listed = "PATCH" if self.fault == "allow" else ", ".join(allowed)
            return js(405, {"message": "Method not allowed"}, Allow=listed)
        if len(parts) == 3:
            order = self.orders.get(parts[2])
            if order is None:
                return js(404, {"message": "The resource you are looking for does not exist"})
            if request.method == "DELETE":
                del self.orders[parts[2]]
                return Response(status=204)
            return js(200, order)
        if request.method == "GET":
            return js(200, list(self.orders.values()))
        media = (request.mimetype or "").lower()
        if media != "application/json" and not (self.fault == "text-plain" and media == "text/plain"):
            return js(415, {"message": "Send JSON"})
        try:
            body = json.loads(request.get_data() or b"")
        except ValueError:
            status = 400 if self.fault == "malformed-400" else 422
            return js(status, {"message": "Your request is malformed"})
        if isinstance(body, dict):
            body.pop("api_token", None)
        if not isinstance(body, dict) or not isinstance(body.get("item"), str) or not body["item"]:
            return js(422, {"message": "data required is missing and/or incorrect"})
        self.count += 1
        slug = f"order-{self.count}"
        self.orders[slug] = {"order": slug, "item": body["item"]}
        return js(201, self.orders[slug])


SHOP_FAULTS = {
    "": (set(), ""),
    "html-405": ({"content-type.json-response"}, "Content-Type is 'text/html; charset=utf-8' on a 405 response"),
    "allow": ({"methods.allow-header"}, "says Allow: PATCH, but this run saw GET (answered 200)"),
    "text-plain": ({"content-type.json-request"},
                   "A JSON body labelled Content-Type: text/plain was accepted with 201; expected a refusal with a 4xx."),
    "malformed-400": ({"errors.malformed-json"}, "Expected 422 for a body that is not valid JSON, got 400."),
}


# The shop's own guide adds one promise to ConnectNow's (whose document says nothing of request bodies).
SHOP_CATALOG = """
profile: shop
title: ConnectNow's conventions, and the shop's JSON request bodies
extends: connectnow
documents:
  - {file: shop-guide, title: The shop's API guide}
rules:
  - id: content-type.json-request
    category: content-type
    title: A request body is JSON, labelled application/json
    severity: must
    source: {document: shop-guide, section: Requests, quote: "Request bodies are always JSON, sent as application/json."}
"""


@pytest.mark.parametrize("fault", list(SHOP_FAULTS), ids=[f or "conforming" for f in SHOP_FAULTS])
def test_every_answer_is_judged_by_every_rule_it_can_prove(fault, serve, run_conformance, tmp_path):
    """A wrong-method answer is judged for content; Allow is held against what succeeded; a JSON body labelled
    text/plain is sent; malformed JSON is sent under connectnow. Each fault fails exactly its rule."""
    server = serve(Shop(fault))
    (tmp_path / "shop.yaml").write_text(SHOP_CATALOG)
    outcome = run_with(run_conformance, tmp_path, server.url, SHOP_SPEC, profile=str(tmp_path / "shop.yaml"),
                       token="shop-key")
    broken, message = SHOP_FAULTS[fault]
    assert outcome.failed == broken, outcome.output()
    assert outcome.ret == (1 if broken else 0), outcome.output()
    for rule_id in broken:
        assert any(message in m for m in outcome.messages(rule_id)), outcome.messages(rule_id)
    if not fault:  # the conforming shop is judged, not skipped, on what the faults break
        for rule_id in ("content-type.json-response", "methods.allow-header", "content-type.json-request",
                        "errors.malformed-json"):
            assert outcome.status(rule_id) == "passed", (rule_id, outcome.rule(rule_id))
