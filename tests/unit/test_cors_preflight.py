"""cors.preflight on hand-made preflight answers (no server): it asks what a browser would, the method and
the headers the preflight requested, not the header list of a document's example."""

from __future__ import annotations

from conformance.evidence import Evidence
from conformance.models import Exchange, Request, Response
from conformance.rules import CHECKS

from evidence_kit import context, operation

OK = {"responses": {"200": {"description": "ok"}}}
PROJECT = {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
           "get": OK, "patch": OK, "delete": OK}


def judge(method: str, asked: str, answer: dict[str, str], profile: str = "featbit") -> str | None:
    request = Request("OPTIONS", "http://127.0.0.1:1/api/v1/projects/1",
                      {"Origin": "https://app.example", "Access-Control-Request-Method": method,
                       "Access-Control-Request-Headers": asked})
    headers = {"access-control-allow-origin": ["https://app.example"]}
    headers.update({k.lower(): [v] for k, v in answer.items()})
    preflight = Exchange("preflight", request, Response(204, headers, b""))
    op = operation(f"{method} /api/v1/projects/{{id}}", {"/api/v1/projects/{id}": PROJECT})
    ctx = context(profile, "cors.preflight", op, Evidence(op.label, (preflight,)))
    return CHECKS["cors.preflight"].judge(ctx, preflight)


def test_cors_preflight_no_false_positive_headers_of_the_example_not_listed():
    # FeatBit's example lists Accept, Content-Length and Accept-Encoding too; a page cannot even set the last two.
    answer = {"Access-Control-Allow-Methods": "PATCH", "Access-Control-Allow-Headers": "Authorization, Content-Type"}
    assert judge("PATCH", "Authorization, Content-Type", answer) is None


def test_cors_preflight_no_false_positive_safelisted_method_not_listed():
    answer = {"Access-Control-Allow-Methods": "PATCH, DELETE", "Access-Control-Allow-Headers": "authorization,content-type"}
    assert judge("GET", "Authorization, Content-Type", answer) is None


def test_cors_preflight_no_false_positive_wildcard_headers_with_authorization_named():
    answer = {"Access-Control-Allow-Methods": "*", "Access-Control-Allow-Headers": "*, Authorization"}
    assert judge("DELETE", "Authorization, Content-Type", answer) is None


def test_cors_preflight_judges_the_headers_that_were_asked_for():
    answer = {"Access-Control-Allow-Methods": "PATCH", "Access-Control-Allow-Headers": "Content-Type"}
    assert judge("PATCH", "Authorization, Content-Type", answer) == (
        "The preflight for PATCH /api/v1/projects/{id}: Access-Control-Allow-Headers does not cover Authorization.")


def test_cors_preflight_wildcard_does_not_cover_authorization():
    answer = {"Access-Control-Allow-Methods": "PATCH", "Access-Control-Allow-Headers": "*"}
    assert "does not cover Authorization" in judge("PATCH", "Authorization, Content-Type", answer)


def test_cors_preflight_method_not_allowed():
    answer = {"Access-Control-Allow-Methods": "GET, OPTIONS", "Access-Control-Allow-Headers": "Authorization, Content-Type"}
    assert "Access-Control-Allow-Methods (get, options) does not cover DELETE" in judge(
        "DELETE", "Authorization, Content-Type", answer)
