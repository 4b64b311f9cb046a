"""The judge on hand-made evidence: each rule judges exactly the exchanges whose preconditions hold for it, and a
rule that judged nothing says which precondition failed. No runner, no server."""

from __future__ import annotations

from conformance.credentials import CredentialCheck
from conformance.judge import judge
from conformance.rules import CHECKS

from evidence_kit import answer, context, evidence, operation

TEXT = {"Content-Type": "text/plain"}
JSON = {"Content-Type": "application/json"}
REFUSED = CredentialCheck("refused", "GET /items", 401, "in the header Authorization")


def verdict(profile, rule_id, op, found):
    ctx = context(profile, rule_id, op, found)
    return judge(CHECKS[ctx.rule.check], ctx)


def test_a_refused_credential_leaves_plain_text_answers_a_finding_of_the_content_type_rule():
    # PowerDNS under featbit: the credential travels the wrong way, so every answer is 401 or 404, as text/plain.
    op = operation("GET /items/{id}")
    found = evidence(op.label, answer(401, TEXT, b"Unauthorized"),
                     answer(404, TEXT, b"Not Found", kind="unknown-id", source="unknown"),
                     answer(405, TEXT, b"Method Not Allowed", method="PATCH", kind="wrong-method"),
                     credential=REFUSED)
    content = verdict("featbit", "content-type.json-response", op, found)
    assert content.status == "failed"
    assert "Content-Type is 'text/plain' on a 401 response; expected application/json." in [
        v.message for v in content.violations]
    assert any("on a 405 response" in v.message for v in content.violations)  # the wrong method's answer too


def test_a_rule_about_what_the_request_carried_drops_answers_to_a_refused_credential_and_says_so():
    op = operation("GET /items/{id}")
    found = evidence(op.label, answer(401, TEXT, b"Unauthorized"),
                     answer(401, TEXT, b"Unauthorized", method="PATCH", kind="wrong-method"), credential=REFUSED)
    methods = verdict("connectnow", "methods.not-allowed", op, found)
    assert methods.status == "skipped"
    assert methods.reason.startswith("not judged: the valid credential was not accepted for the 1 request(s) this "
                                     "rule would judge (PATCH answered 401 to the valid credential sent in the "
                                     "header Authorization")


def test_no_false_positive_on_a_permission_where_the_valid_credential_is_refused_on_the_operation():
    # DRF read with a Bearer profile: GET is public, POST answers 401 to the valid credential and to the limited one.
    op = operation("POST /items")
    found = evidence(op.label,
                     answer(401, JSON, b"{}", method="POST", kind="valid-credentials", operation="POST /items",
                            url="http://api.test/items"),
                     answer(401, JSON, b"{}", method="POST", kind="forbidden-credentials", operation="POST /items",
                            credential="forbidden", url="http://api.test/items"))
    forbidden = verdict("connectnow", "auth.forbidden-credentials", op, found)
    assert forbidden.status == "skipped", forbidden.violations
    assert "POST /items answered 401 to the valid credential sent in the header Authorization" in forbidden.reason
    valid = verdict("connectnow", "auth.valid-credentials", op, found)
    assert valid.status == "failed"  # the one finding: the valid credential is refused there


def test_the_permission_rule_still_judges_where_the_valid_credential_is_accepted():
    op = operation("POST /items")
    found = evidence(op.label,
                     answer(201, JSON, b"{}", method="POST", kind="valid-credentials", operation="POST /items",
                            url="http://api.test/items"),
                     answer(401, JSON, b"{}", method="POST", kind="forbidden-credentials", operation="POST /items",
                            credential="forbidden", url="http://api.test/items"))
    forbidden = verdict("featbit", "auth.forbidden-credentials", op, found)
    assert forbidden.status == "failed"
    assert forbidden.violations[0].message.startswith("A valid credential without the permission got 401 on POST")


def test_allow_lists_every_method_the_run_saw_succeed_on_the_path():
    op = operation("GET /items/{id}")
    found = evidence(op.label, answer(200, JSON, b"{}"),
                     answer(204, method="DELETE", kind="crud", operation="DELETE /items/{id}"),
                     answer(405, {"Allow": "PATCH", **JSON}, b"{}", method="POST", kind="wrong-method"))
    allow = verdict("http", "methods.allow-header", op, found)
    assert [v.message for v in allow.violations] == [
        "405 for POST /items/{id} says Allow: PATCH, but this run saw GET (answered 200), DELETE (answered 204) "
        "succeed on the same path (Allow lists the methods the resource supports, RFC 9110 15.5.6)."]
    kept = evidence(op.label, answer(200, JSON, b"{}"),
                    answer(405, {"Allow": "GET, DELETE", **JSON}, b"{}", method="POST", kind="wrong-method"))
    assert verdict("http", "methods.allow-header", op, kept).status == "passed"


def test_a_json_body_labelled_text_plain_that_is_accepted_fails_the_json_request_rule():
    op = operation("POST /items")
    found = evidence(op.label,
                     answer(415, JSON, b"{}", method="POST", kind="form-body", operation="POST /items"),
                     answer(201, JSON, b"{}", method="POST", kind="text-plain-body", operation="POST /items"))
    request = verdict("featbit", "content-type.json-request", op, found)
    assert [v.message for v in request.violations] == [
        "A JSON body labelled Content-Type: text/plain was accepted with 201; expected a refusal with a 4xx."]


def test_an_unreached_resource_says_nothing_about_a_probe_and_the_reason_names_it():
    op = operation("GET /items/{id}")
    found = evidence(op.label, answer(404, JSON, b"{}", method="PATCH", kind="wrong-method", source="invented"),
                     unreached_hint="no id known to exist")
    methods = verdict("connectnow", "methods.not-allowed", op, found)
    assert methods.status == "skipped"
    assert methods.reason.startswith("every answer it could judge came from a resource that was never reached")
    assert methods.reason.endswith("no id known to exist")


def test_of_the_violations_that_say_the_same_the_evidence_kept_is_the_one_a_person_can_replay():
    op = operation("GET /items/{id}")
    drawn = answer(404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>", source="invented",
                   url="http://api.test/items/-3.574414690607084e-77")
    known = answer(404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>", url="http://api.test/items/1")
    found = evidence(op.label, answer(200, JSON, b"{}"), drawn, known)
    content = verdict("featbit", "content-type.json-response", op, found)
    assert content.violation_count == 2 and len(content.violations) == 1
    assert content.violations[0].exchange.request.url == "http://api.test/items/1"
