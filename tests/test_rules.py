"""Every rule of every built-in catalog: a conforming demo passes it, and a demo that breaks exactly
that rule fails it, with the violation's message asserted (a rule only the document's example supports is
reported as advisory instead, and the run passes: examples are not requirements).

A rule of the base catalog ``http`` (RFC 9110) that a profile inherits unchanged is the same rule in every
profile: it is broken once, in the demo of one profile that inherits it (``BASE_CASES``), and ``INHERITED``
lists, per profile, the base rules it carries unchanged. A profile that changes a base rule (its own params,
source or title) has a rule of its own, with its own row in ``EXPECTED``.

The stateful methods, pagination and rate-limit rules have their own tests (test_methods_pagination.py).
"""

from __future__ import annotations

import pytest

from conformance.catalog import BASE_PROFILE, BUILTIN_PROFILES, Rule
from conformance.run import load_catalog
from conformance.demo import PROFILES

OWN_TESTS = {"methods.create-status", "methods.put-replaces", "methods.patch-partial", "methods.delete-removes",
             "pagination.fields", "pagination.page-arithmetic", "pagination.links", "pagination.no-duplicates",
             "pagination.past-last-page", "rate-limit.retry-after"}

# profile, rule id -> a piece of the message the violation must carry
EXPECTED = {
    ("featbit", "auth.missing-credentials"): "Expected 401 for a request without credentials, got 403",
    ("featbit", "auth.invalid-credentials"): "Expected 401 for an invalid credential in the header Authorization, got 403",
    ("featbit", "auth.unsupported-channel"): "in the query parameter token, which the profile does not support, got 200",
    ("featbit", "auth.valid-credentials"): "Expected a valid credential in the header Authorization to be accepted, got 403",
    ("featbit", "auth.forbidden-credentials"): "A valid credential without the permission got 401 on",
    ("featbit", "content-type.json-response"): "Content-Type is 'text/plain' on a 404 response; expected application/json",
    ("featbit", "content-type.json-request"): "A form-encoded body was accepted with 201",
    ("featbit", "errors.envelope"): "The 404 error body does not have the profile's envelope: 'errors' is a required property",
    ("featbit", "errors.envelope-example"): "error body does not have the profile's envelope: 'success' is a required property",
    ("featbit", "cors.origin-echo"): "Access-Control-Allow-Origin is https://featbit.example",
    ("featbit", "cors.wildcard-without-origin"): "Access-Control-Allow-Origin is missing",
    ("featbit", "cors.vary-origin"): "The origin is echoed but Vary is missing; expected Vary: Origin",
    ("featbit", "cors.credentials-wildcard"): "Access-Control-Allow-Credentials: true with Access-Control-Allow-Origin: *",
    ("featbit", "cors.preflight"): "does not cover",
    ("featbit", "cors.max-age"): "Access-Control-Max-Age is 600; the document's example says 300",
    ("featbit", "schema.response-conformance"): "Response violates schema",
    ("featbit", "schema.status-documented"): "Undocumented status code",
    ("featbit", "server-errors.no-5xx"): "The API failed with 500",
    ("flextype", "auth.missing-credentials"): "Expected 401 for a request without credentials",
    ("flextype", "auth.invalid-credentials"): "Expected 401 for an invalid credential in the query parameter token, got 403",
    ("flextype", "auth.unsupported-channel"): "in the header Authorization, which the profile does not support, got 200",
    ("flextype", "auth.valid-credentials"): "to be accepted, got 403",
    ("flextype", "content-type.json-response"): "Content-Type is 'text/plain'",
    ("flextype", "content-type.utf8"): "Content-Type declares charset 'iso-8859-1'; expected UTF-8",
    ("flextype", "content-type.json-request"): "A form-encoded body was accepted",
    ("flextype", "dates.unix-seconds"): "looks like milliseconds; expected seconds",
    ("flextype", "errors.envelope"): "The 404 error body is not JSON ('Not Found')",
    ("flextype", "errors.not-found"): "Expected 404 for an unknown resource",
    ("flextype", "errors.invalid-input"): "Expected 400 for a body that breaks the schema",
    ("flextype", "cors.allow-origin"): "Access-Control-Allow-Origin is missing on a 4",
    ("flextype", "cors.preflight"): "does not cover",
    ("flextype", "schema.response-conformance"): "Response violates schema",
    ("flextype", "schema.status-documented"): "Undocumented status code",
    ("flextype", "server-errors.no-5xx"): "The API failed with 500",
    ("basic-crud", "auth.missing-credentials"): "Expected 401 for a request without credentials, got 403",
    ("basic-crud", "auth.invalid-credentials"): "got 403",
    ("basic-crud", "auth.valid-credentials"): "to be accepted, got 403",
    ("basic-crud", "auth.challenge"): "A 401 without a WWW-Authenticate header; expected a 'Basic' challenge",
    ("basic-crud", "content-type.json-response"): "Content-Type is 'text/plain'",
    ("basic-crud", "content-type.json-request"): "A form-encoded body was accepted",
    ("basic-crud", "errors.envelope"): "'errors' is a required property",
    ("basic-crud", "errors.malformed-json"): "Expected 400 for a body that is not valid JSON, got 422",
    ("basic-crud", "dates.iso8601-utc"): "ISO-8601 but not UTC: the offset is +02:00",
    ("basic-crud", "methods.head"): "HEAD sent 92 bytes of content after its headers ('{\"id\": 1, \"name\"",
    ("basic-crud", "schema.response-conformance"): "Response violates schema",
    ("basic-crud", "schema.status-documented"): "Undocumented status code",
    ("basic-crud", "server-errors.no-5xx"): "The API failed with 500",
    ("connectnow", "auth.missing-credentials"): "got 403",
    ("connectnow", "auth.invalid-credentials"): "got 403",
    ("connectnow", "auth.valid-credentials"): "to be accepted, got 403",
    ("connectnow", "auth.forbidden-credentials"): "A valid credential without the permission got 401 on",
    ("connectnow", "schema.security-documented"): "The spec gives GET /api/health security: [], but the API refused a "
                                                  "request without credentials with 401",
    ("connectnow", "content-type.json-response"): "Content-Type is 'text/plain'",
    ("connectnow", "methods.not-allowed"): "expected 405, got 404",
    ("connectnow", "errors.not-found"): "Expected 404 for an unknown resource (id=987654321), got 400",
    ("connectnow", "errors.invalid-input"): "Expected 422 for a body that breaks the schema",
    ("connectnow", "naming.plural-resources"): "The path segment 'user' in /api/user is not plural",
    ("connectnow", "naming.item-under-collection"): "/api/users/{id} is an item but its collection /api/users is not in the spec",
    ("connectnow", "schema.response-conformance"): "Response violates schema",
    ("connectnow", "schema.status-documented"): "Undocumented status code",
    ("connectnow", "server-errors.no-5xx"): "The API failed with 500",
    ("connectnow", "errors.malformed-json"): "Expected 422 for a body that is not valid JSON, got 400",
}

# The base rules (http.yaml), each broken once in the demo of a profile that inherits it unchanged.
BASE_CASES = {
    "auth.challenge": ("featbit", "A 401 without a WWW-Authenticate header (HTTP requires a challenge with every 401"),
    "auth.forbidden-credentials": ("basic-crud", "A valid credential without the permission got 401 on"),
    "methods.allow-header": ("featbit", "405 for HEAD /api/v1/health without an Allow header"),
    "methods.head": ("featbit", "bytes of content after its headers ('{\"success\": true"),
    "methods.head-headers": ("flextype", "HEAD has Content-Type None where GET has 'application/json'"),
    "errors.malformed-json": ("featbit", "Expected a 4xx for a body that is not valid JSON, got 500"),
    "schema.security-schemes": ("basic-crud", "The spec's security scheme 'apiKey' (an API key in the header X-API-Key) "
                                              "is not a way the profile lets a credential travel: for GET the "
                                              "document allows the header Authorization as 'Basic "),
}
ALL_BASE = {"auth.challenge", "auth.forbidden-credentials", "methods.allow-header", "methods.head",
            "methods.head-headers", "schema.security-schemes", "methods.put-replaces", "errors.malformed-json"}
# Per profile, the base rules it inherits unchanged (the others it changes, and tests in EXPECTED).
INHERITED = {
    "featbit": ALL_BASE - {"auth.forbidden-credentials"},  # FeatBit's document names 403 itself
    "flextype": ALL_BASE,
    "basic-crud": ALL_BASE - {"auth.challenge", "methods.head", "errors.malformed-json"},  # a Basic challenge; HEAD
    # and the malformed body's answer from its document
    "connectnow": ALL_BASE - {"auth.forbidden-credentials", "errors.malformed-json"},  # ConnectNow's document names
    # 403 itself, and 422 for a malformed request
}
# PUT replaces: basic-crud's document ("a full update of a resource (replacing the resource ...)") and
# ConnectNow's ("standard CRUD and REST API principles, using ... PUT for updates") make the base rule theirs.
INHERITED = {profile: carried - {"methods.put-replaces"} if profile in ("basic-crud", "connectnow") else carried
             for profile, carried in INHERITED.items()}

# A few faults cannot break one promise alone: the server's answer necessarily breaks a second one too.
ALSO_BROKEN = {
    # A server that ignores a credential it cannot read answers the unsupported channel as it answers none.
    ("featbit", "auth.missing-credentials"): {"auth.unsupported-channel"},
    ("flextype", "auth.missing-credentials"): {"auth.unsupported-channel"},
    # The demo specs document the error envelope, so a body without it also contradicts the spec.
    ("featbit", "errors.envelope"): {"schema.response-conformance", "errors.envelope-example"},
    # A crash on a malformed body is a 5xx.
    ("featbit", "errors.malformed-json"): {"server-errors.no-5xx"},
    # flextype's fault is a 404 body that is not JSON, sent as application/json: schemathesis' schema check
    # refuses it too (probe answers are validated against the spec like generated ones).
    ("flextype", "errors.envelope"): {"schema.response-conformance"},
    ("basic-crud", "errors.envelope"): {"schema.response-conformance"},
}

BASE = load_catalog(BASE_PROFILE)


def inherited(rule: Rule) -> bool:
    """The profile carries the base rule as the base catalog states it."""
    return rule.id in {r.id for r in BASE.rules} and rule == BASE.rule(rule.id)


OWN_CASES = [(profile, rule.id) for profile in BUILTIN_PROFILES for rule in load_catalog(profile).rules
             if rule.id not in OWN_TESTS and not inherited(rule)]
MESSAGES = {**EXPECTED, **{(profile, rule_id): message for rule_id, (profile, message) in BASE_CASES.items()}}
CASES = sorted(MESSAGES)
EXAMPLE_RULES = {(profile, rule.id) for profile in BUILTIN_PROFILES for rule in load_catalog(profile).rules
                 if rule.example}


def test_every_rule_has_a_case():
    assert sorted(OWN_CASES) == sorted(EXPECTED), "add a row to EXPECTED for each new rule (and a demo fault)"
    assert {rule.id for rule in BASE.rules} == ALL_BASE, "add each base rule to ALL_BASE"
    # a base rule with tests of its own (OWN_TESTS: methods.put-replaces) has no row in BASE_CASES
    assert set(BASE_CASES) == ALL_BASE - OWN_TESTS, "add a row to BASE_CASES for each base rule"
    carried = {profile: {rule.id for rule in load_catalog(profile).rules if inherited(rule)}
               for profile in BUILTIN_PROFILES}
    assert carried == INHERITED
    for rule_id, (profile, _) in BASE_CASES.items():
        assert rule_id in INHERITED[profile], f"{rule_id} is broken in {profile}, which does not inherit it unchanged"


@pytest.mark.parametrize("profile", PROFILES)
def test_conforming_demo_passes_every_rule(profile, demo, run_conformance):
    outcome = run_conformance(demo(profile))
    not_passed = {r["id"]: (r["status"], r["reason"]) for r in outcome.report["rules"]
                  if r["status"] != "passed" and r["id"] not in OWN_TESTS}
    assert not_passed == {}, outcome.output()
    assert outcome.ret == 0


@pytest.mark.parametrize(("profile", "rule_id"), CASES, ids=[f"{p}:{r}" for p, r in CASES])
def test_breaking_only_this_rule_fails_it(profile, rule_id, demo, run_conformance):
    outcome = run_conformance(demo(profile, faults={rule_id}))
    broken = {rule_id} | ALSO_BROKEN.get((profile, rule_id), set())
    advisory = {rule for rule in broken if (profile, rule) in EXAMPLE_RULES}
    assert outcome.ret == (1 if broken - advisory else 0), outcome.output()
    assert outcome.failed == broken - advisory, outcome.output()
    assert {r["id"] for r in outcome.report["rules"] if r["status"] == "advisory"} == advisory, outcome.output()
    messages = outcome.messages(rule_id)
    assert messages and all(m for m in messages)
    assert any(MESSAGES[(profile, rule_id)] in m for m in messages), messages
