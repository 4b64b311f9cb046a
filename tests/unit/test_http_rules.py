"""The checks of the base catalog ``http`` (RFC 9110) and the spec's security schemes, on hand-made exchanges and
specs: no server, seconds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from conformance.evidence import Evidence
from conformance.models import Exchange, PathValue, Request, Response, Skip, Violation
from conformance.probes import HeadPair
from conformance.rules import CHECKS, IGNORE
from conformance.spec import Operation

from evidence_kit import context, operation as spec_operation


def answer(status: int, headers: dict[str, Any] | None = None, body: bytes = b"", method: str = "GET",
           kind: str = "generated") -> Exchange:
    fields = {k.lower(): (v if isinstance(v, list) else [v]) for k, v in (headers or {}).items()}
    return Exchange(kind, Request(method, "http://api.test/items/1"), Response(status, fields, body),
                    operation="GET /items/{id}")


OK = {"responses": {"200": {"description": "ok"}}}
PROFILES = {"methods.not-allowed": "connectnow"}  # the rule's profile: http (RFC 9110) unless it has not the rule


def op(label: str, declared: tuple[str, ...] = ("GET",)) -> Operation:
    """An operation of a small spec: GET and POST /items, and /items/{id} with the methods ``declared``."""
    item = {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            **{method.lower(): OK for method in declared}}
    collection = {"get": OK, "post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                                      "responses": {"201": {"description": "created"}}}}
    return spec_operation(label, {"/items": collection, "/items/{id}": item})


@dataclass(frozen=True)
class Case:
    """What a test varies: the operation, its evidence, the rule's params and the catalog's auth block. judge()
    gives the check the real Context of the rule it judges, made of them."""

    operation: Operation
    evidence: Evidence
    params: dict[str, Any] | None = None  # None: the catalog's own
    auth: dict[str, Any] | None = None  # None: the catalog's own


def judge(name: str, case: Case, *args: Any) -> list[str]:
    """An exchange check's verdict as a list of messages (IGNORE as ["IGNORE"]); an operation check's messages."""
    found = replace(case.evidence, exchanges=case.evidence.exchanges + args)  # the exchange judged is evidence too
    ctx = context(PROFILES.get(name, "http"), name, case.operation, found, params=case.params, auth=case.auth)
    outcome = CHECKS[name].judge(ctx, *args)
    if outcome is IGNORE:
        return ["IGNORE"]
    if outcome is None:
        return []
    if isinstance(outcome, (str, Violation)):
        outcome = [outcome]
    return [o.message if isinstance(o, Violation) else str(o) for o in outcome]


def ctx(params: dict[str, Any] | None = None, *, operation: Operation | None = None, evidence: Evidence | None = None,
        path_reached: bool = False, results: dict[str, Any] | None = None, auth: dict[str, Any] | None = None) -> Case:
    operation = operation or op("GET /items/{id}")
    if evidence is None:
        evidence = Evidence(operation.label, results=results or {}, path_reached=path_reached)
    return Case(operation, evidence, params, auth)


# -- auth.challenge: RFC 9110 15.5.2 -------------------------------------------------------------------
def test_challenge_a_401_without_www_authenticate_is_one_violation():
    assert judge("auth.challenge", ctx(), answer(401)) == [
        "A 401 without a WWW-Authenticate header (HTTP requires a challenge with every 401, RFC 9110 15.5.2)."]
    assert judge("auth.challenge", ctx(), answer(401, {"WWW-Authenticate": "  "}))[0].startswith("A 401 without")


def test_challenge_any_scheme_passes_the_base_rule_and_other_statuses_are_ignored():
    assert judge("auth.challenge", ctx(), answer(401, {"WWW-Authenticate": 'AccessToken realm="x"'})) == []
    assert judge("auth.challenge", ctx(), answer(403)) == ["IGNORE"]
    assert judge("auth.challenge", ctx(), answer(200)) == ["IGNORE"]


def test_challenge_a_profile_scheme_is_found_among_several_challenges():
    basic = ctx({"scheme": "Basic"})
    assert judge("auth.challenge", basic, answer(401, {"WWW-Authenticate": 'Bearer realm="a", Basic realm="b"'})) == []
    assert judge("auth.challenge", basic, answer(401, {"WWW-Authenticate": ["Bearer", 'basic realm="b"']})) == []
    assert judge("auth.challenge", basic, answer(401, {"WWW-Authenticate": 'Bearer realm="Basically"'})) == [
        "WWW-Authenticate is 'Bearer realm=\"Basically\"', expected a 'Basic' challenge."]
    assert judge("auth.challenge", basic, answer(401)) == [
        "A 401 without a WWW-Authenticate header; expected a 'Basic' challenge (HTTP requires a challenge with every "
        "401, RFC 9110 15.5.2)."]


# -- methods.allow-header: RFC 9110 15.5.6; methods.not-allowed leaves that fact to it --------------------
def test_allow_header_judges_every_405_the_run_saw_whatever_sent_it():
    seen = [answer(200), answer(405, {"Allow": "GET, OPTIONS"}, method="HEAD", kind="head"),
            answer(405, method="PATCH", kind="wrong-method"), answer(405, {"Allow": ""}, method="POST")]
    messages = judge("methods.allow-header", ctx(evidence=Evidence("GET /items/{id}", tuple(seen))))
    assert messages == [
        "405 for PATCH /items/{id} without an Allow header (HTTP requires one listing the methods the resource "
        "supports, RFC 9110 15.5.6).",
        "405 for POST /items/{id} without an Allow header (HTTP requires one listing the methods the resource "
        "supports, RFC 9110 15.5.6)."]


def test_allow_header_is_skipped_where_no_405_came():
    run = Evidence("GET /items/{id}", (answer(200), Exchange("generated", Request("GET", "http://api.test/"),
                                                             error="the connection failed")))
    with pytest.raises(Skip, match="no request sent for this operation was answered 405"):
        judge("methods.allow-header", ctx(evidence=run))


def test_not_allowed_judges_the_status_and_leaves_allow_to_the_allow_rule():
    operation = op("GET /items")
    check = ctx(operation=operation, path_reached=True)
    assert judge("methods.not-allowed", check, answer(405, method="PATCH", kind="wrong-method")) == []
    assert judge("methods.not-allowed", check, answer(405, {"Allow": "GET"}, method="PATCH")) == []
    assert judge("methods.not-allowed", check, answer(404, method="PATCH")) == [
        "PATCH is not declared for /items; expected 405, got 404."]
    # aimed at an id that does not exist (nothing could be created to aim it at): 404 says nothing of the method
    aimed = replace(answer(404, method="PATCH"), values={"id": PathValue("conformance-unknown", "unknown", "")})
    with pytest.raises(Skip, match="went to an id that does not exist"):
        judge("methods.not-allowed", check, aimed)
    seen = Evidence("GET /items", (answer(405, {"Allow": "GET"}, method="PATCH", kind="wrong-method"),))
    assert judge("methods.allow-header", ctx(operation=operation, evidence=seen)) == [
        "Allow is 'GET' but the spec declares POST for /items."]


# -- methods.head and methods.head-headers: RFC 9110 9.3.2 ----------------------------------------------
JSON = {"Content-Type": "application/json", "Content-Length": "13", "X-Rate": "5"}


def head_ctx(get: Exchange, head: Exchange, raw: Exchange | None = None, declared=("GET",)) -> Case:
    pair = HeadPair(get, head, raw)
    return ctx(operation=op("GET /items/{id}", tuple(declared)), results={"head": pair})


def test_head_like_get_without_content_passes_both_rules():
    check = head_ctx(answer(200, JSON, b'{"id": 1}'), answer(200, JSON, method="HEAD"),
                     answer(200, JSON, method="HEAD", kind="head"))
    assert judge("methods.head", check) == [] and judge("methods.head-headers", check) == []


def test_head_bytes_after_the_headers_are_content():
    raw = answer(200, JSON, b'{"id": 1, "name": "x"}', method="HEAD", kind="head")
    check = head_ctx(answer(200, JSON, b'{"id": 1}'), answer(200, JSON, method="HEAD"), raw)
    assert judge("methods.head", check) == [
        "HEAD sent 22 bytes of content after its headers ('{\"id\": 1, \"name\": \"x\"}'); it must send none. A "
        "client library does not show them, but on a kept-alive connection they are read as the start of the next "
        "answer."]
    assert judge("methods.head-headers", check) == []  # a different fact, a different rule


def test_head_status_differs_is_methods_head_only():
    check = head_ctx(answer(200, JSON, b"{}"), answer(404, {}, method="HEAD"))
    assert judge("methods.head", check) == ["HEAD answered 404 where GET answered 200."]
    with pytest.raises(Skip, match="methods.head reports that"):
        judge("methods.head-headers", check)


def test_head_headers_content_type_and_missing_fields_but_not_those_of_the_content():
    head = answer(200, {"Content-Length": "0"}, method="HEAD")  # no Content-Type, no X-Rate; length may differ
    check = head_ctx(answer(200, JSON, b"{}"), head)
    assert judge("methods.head-headers", check) == ["HEAD has Content-Type None where GET has 'application/json'.",
                                                    "HEAD lacks headers that GET sends: x-rate."]
    assert judge("methods.head", check) == []


def test_head_not_offered_but_with_content_is_still_content():
    raw = answer(405, {"Allow": "GET"}, b'{"error": "no"}', method="HEAD", kind="head")
    check = head_ctx(answer(200, JSON, b"{}"), answer(405, {"Allow": "GET"}, method="HEAD"), raw)
    assert judge("methods.head", check) == [
        "HEAD sent 15 bytes of content after its headers ('{\"error\": \"no\"}'); it must send none. A client "
        "library does not show them, but on a kept-alive connection they are read as the start of the next answer."]
    with pytest.raises(Skip, match="HEAD is not offered here"):
        judge("methods.head-headers", check)


def test_head_not_offered_unreached_or_unanswered_is_skipped():
    with pytest.raises(Skip, match="HEAD is not offered here"):
        judge("methods.head", head_ctx(answer(200, JSON, b"{}"), answer(405, {"Allow": "GET"}, method="HEAD")))
    assert judge("methods.head", head_ctx(answer(200, JSON, b"{}"), answer(405, {"Allow": "GET"}, method="HEAD"),
                                          declared=("GET", "HEAD"))) == ["HEAD answered 405 where GET answered 200."]
    with pytest.raises(Skip, match="the resource was never reached"):
        judge("methods.head", head_ctx(answer(404, JSON, b"{}"), answer(404, {}, method="HEAD")))
    unanswered = Exchange("head", Request("HEAD", "http://api.test/items/1"), error="no response within 1 s")
    assert judge("methods.head", head_ctx(answer(200, JSON, b"{}"), unanswered)) == [
        "No response to HEAD where GET was answered 200: no response within 1 s."]
    with pytest.raises(Skip, match="methods.head reports it"):
        judge("methods.head-headers", head_ctx(answer(200, JSON, b"{}"), unanswered))


# -- schema.security-schemes: the spec's schemes against the profile's channels --------------------------
BASIC = {"channels": [{"in": "header", "name": "Authorization", "format": "Basic {basic}"}]}
FEATBIT = {"channels": [{"in": "header", "name": "Authorization", "format": "{token}"}],
           "unsupported_channels": [{"in": "query", "name": "token"}]}
CONNECTNOW = {"channels": [{"in": "header", "name": "Authorization", "format": "Bearer {token}"},
                           {"in": "query", "name": "api_token"},
                           {"in": "body", "name": "api_token", "methods": ["POST", "PUT", "PATCH", "DELETE"]}]}
FLEXTYPE = {"channels": [{"in": "query", "name": "token", "methods": ["GET", "HEAD"]},
                         {"in": "body", "name": "access_token", "methods": ["POST", "PUT", "PATCH", "DELETE"]}]}


def schemes_ctx(auth: dict[str, Any], schemes: dict[str, Any] | None, *, security: Any = "root", method: str = "GET",
                swagger: bool = False) -> Case:
    root: dict[str, Any] = {}
    if schemes is not None:
        if swagger:
            root["securityDefinitions"] = schemes
        else:
            root["components"] = {"securitySchemes": schemes}
    definition: dict[str, Any] = dict(OK)
    if security == "root":
        root["security"] = [{name: []} for name in schemes or {}]
    elif security is not None:
        definition["security"] = security
    operation = spec_operation(f"{method} /items", {"/items": {method.lower(): definition}}, swagger=swagger, **root)
    return ctx(operation=operation, auth=auth)


def test_an_api_key_header_where_the_document_allows_only_basic_is_one_finding_per_scheme():
    schemes = {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}, "basic": {"type": "http",
                                                                                           "scheme": "basic"}}
    assert judge("schema.security-schemes", schemes_ctx(BASIC, schemes)) == [
        "The spec's security scheme 'ApiKey' (an API key in the header X-API-Key) is not a way the profile lets a "
        "credential travel: for GET the document allows the header Authorization as 'Basic <user:password in "
        "base64>'. Fix the spec's securitySchemes, or the catalog's auth channels if the API accepts it."]


@pytest.mark.parametrize(("auth", "scheme"), [
    (BASIC, {"type": "http", "scheme": "basic"}),
    (BASIC, {"type": "http", "scheme": "Basic"}),
    (BASIC, {"type": "basic"}),  # Swagger 2
    (FEATBIT, {"type": "apiKey", "in": "header", "name": "authorization"}),
    (CONNECTNOW, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
    (CONNECTNOW, {"type": "apiKey", "in": "query", "name": "api_token"}),
    (CONNECTNOW, {"type": "oauth2", "flows": {}}),
    (FLEXTYPE, {"type": "apiKey", "in": "query", "name": "token"}),
])
def test_schemes_that_match_a_channel_pass(auth, scheme):
    assert judge("schema.security-schemes", schemes_ctx(auth, {"s": scheme})) == []


@pytest.mark.parametrize(("auth", "scheme", "described"), [
    (FEATBIT, {"type": "http", "scheme": "bearer"}, "HTTP Bearer in the header Authorization"),
    (BASIC, {"type": "http", "scheme": "bearer"}, "HTTP Bearer in the header Authorization"),
    (CONNECTNOW, {"type": "apiKey", "in": "query", "name": "API_TOKEN"}, "an API key in the query parameter API_TOKEN"),
    (CONNECTNOW, {"type": "apiKey", "in": "cookie", "name": "api_token"}, "an API key in the cookie api_token"),
    (BASIC, {"type": "mutualTLS"}, "type 'mutualTLS'"),
    (BASIC, {"type": "openIdConnect", "openIdConnectUrl": "https://id.test"},
     "OpenID Connect: HTTP Bearer in the header Authorization"),
])
def test_schemes_that_match_no_channel_are_findings(auth, scheme, described):
    messages = judge("schema.security-schemes", schemes_ctx(auth, {"s": scheme}))
    assert len(messages) == 1 and f"security scheme 's' ({described}) is not a way" in messages[0], messages


def test_a_scheme_the_document_refuses_says_so():
    messages = judge("schema.security-schemes",
                     schemes_ctx(FEATBIT, {"q": {"type": "apiKey", "in": "query", "name": "token"}}))
    assert messages == [
        "The spec's security scheme 'q' (an API key in the query parameter token) is not a way the profile lets a "
        "credential travel, which the document says is not supported: for GET the document allows the header "
        "Authorization. Fix the spec's securitySchemes, or the catalog's auth channels if the API accepts it."]


def test_a_write_whose_credential_travels_only_in_the_body_is_compared_with_every_channel():
    """OpenAPI cannot declare a body credential: Flextype's spec documents the query token for writes too."""
    query = {"t": {"type": "apiKey", "in": "query", "name": "token"}}
    assert judge("schema.security-schemes", schemes_ctx(FLEXTYPE, query, method="POST")) == []
    header = {"h": {"type": "apiKey", "in": "header", "name": "X-Token"}}
    messages = judge("schema.security-schemes", schemes_ctx(FLEXTYPE, header, method="POST"))
    assert messages and "for POST the document allows the body field access_token (for POST, PUT, PATCH, DELETE)" \
        in messages[0]


def test_only_the_schemes_the_operation_requires_are_judged_or_all_where_it_names_none():
    schemes = {"good": {"type": "http", "scheme": "basic"}, "bad": {"type": "apiKey", "in": "header", "name": "K"}}
    assert judge("schema.security-schemes", schemes_ctx(BASIC, schemes, security=[{"good": []}])) == []
    assert len(judge("schema.security-schemes", schemes_ctx(BASIC, schemes, security=[{"good": []}, {"bad": []}]))) == 1
    assert len(judge("schema.security-schemes", schemes_ctx(BASIC, schemes, security=None))) == 1  # none stated


def test_no_schemes_or_a_public_operation_is_skipped_with_the_reason():
    with pytest.raises(Skip, match="the spec declares no security schemes"):
        judge("schema.security-schemes", schemes_ctx(BASIC, None))
    with pytest.raises(Skip, match="the spec declares no security schemes"):
        judge("schema.security-schemes", schemes_ctx(BASIC, {}))
    basic = {"b": {"type": "http", "scheme": "basic"}}
    for public in ([], [{}]):
        with pytest.raises(Skip, match=r"public \(security: \[\]\)"):
            judge("schema.security-schemes", schemes_ctx(BASIC, basic, security=public))


def test_swagger_2_security_definitions_are_read():
    bad = {"k": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    assert len(judge("schema.security-schemes", schemes_ctx(BASIC, bad, swagger=True))) == 1


def test_a_profile_without_channels_does_not_apply():
    applies = CHECKS["schema.security-schemes"].applies
    assert applies(context("http", "schema.security-schemes", op("GET /items"), auth={})) == (
        "the profile names no credential channel to compare the spec's security schemes with")
    assert applies(context("http", "schema.security-schemes", op("GET /items"), auth=BASIC)) is None
