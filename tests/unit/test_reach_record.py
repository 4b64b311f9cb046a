"""Reach, judged on hand-made exchanges: which answers count as reaching an operation."""

from __future__ import annotations

from evidence_kit import answer, operation

from conformance.plan import RequestPlan
from conformance.reach import Reach, answers_hint
from conformance.resources import acts_on_its_parent

REDIRECTS = {
    # httpbin's /redirect/{n}, GitHub's tarball: the documented answer is a redirect, and nothing else
    "/download/{name}": {"get": {"parameters": [{"name": "name", "in": "path", "required": True,
                                                 "schema": {"type": "string"}}],
                                 "responses": {"302": {"description": "to the file"}}}},
    # GitHub's GET /repos/{owner}/{repo}: 200, and a 301 when the repository moved
    "/repos/{name}": {"get": {"parameters": [{"name": "name", "in": "path", "required": True,
                                              "schema": {"type": "string"}}],
                              "responses": {"200": {"description": "ok"}, "301": {"description": "moved"}}}},
}


def reached(label: str, status: int) -> bool:
    op = operation(label, REDIRECTS)
    reach = Reach()
    reach.record(RequestPlan(op, "generated"), answer(status, {"Location": "/elsewhere"}, operation=label))
    return reach.reached(label)


def test_a_redirect_the_spec_documents_as_the_only_answer_reaches_the_operation():
    assert reached("GET /download/{name}", 302)
    assert operation("GET /download/{name}", REDIRECTS).redirect_answers == {302}


def test_a_redirect_it_does_not_document_does_not():
    assert not reached("GET /download/{name}", 301)
    assert not reached("GET /download/{name}", 304)


def test_a_redirect_beside_a_documented_2xx_does_not():
    assert not reached("GET /repos/{name}", 301)
    assert reached("GET /repos/{name}", 200)
    assert operation("GET /repos/{name}", REDIRECTS).redirect_answers == frozenset()


def test_an_operation_that_only_redirects_where_its_spec_documents_a_2xx_says_how_to_count_it():
    label = "GET /repos/{name}"
    op = operation(label, REDIRECTS)
    reach = Reach()
    reach.record(RequestPlan(op, "generated"), answer(301, {"Location": "/repos/moved"}, operation=label))
    hint = answers_hint(op, reach.by_operation[label])
    assert not reach.reached(label)
    assert hint.startswith("no valid request got a 2xx (answers to the valid credential: 301 x1): it redirects, and "
                           "its spec documents no redirect as its answer"), hint


ACTIONS = {
    "/charges": {"get": {"responses": {"200": {"description": "ok"}}}},
    "/charges/{charge}": {"parameters": [{"name": "charge", "in": "path", "required": True,
                                          "schema": {"type": "string"}}],
                          "get": {"responses": {"200": {"description": "ok"}}}},
    "/charges/{charge}/capture": {"parameters": [{"name": "charge", "in": "path", "required": True,
                                                  "schema": {"type": "string"}}],
                                  "post": {"responses": {"200": {"description": "ok"}}}},
    "/charges/{charge}/refunds": {"parameters": [{"name": "charge", "in": "path", "required": True,
                                                  "schema": {"type": "string"}}],
                                  "get": {"responses": {"200": {"description": "ok"}}},
                                  "post": {"responses": {"200": {"description": "ok"}}}},
}


def test_a_post_below_a_resource_that_nothing_reads_acts_on_it():
    assert acts_on_its_parent(operation("POST /charges/{charge}/capture", ACTIONS))
    assert not acts_on_its_parent(operation("POST /charges/{charge}/refunds", ACTIONS))  # a collection: GET lists it
    assert not acts_on_its_parent(operation("GET /charges/{charge}", ACTIONS))


def test_a_post_to_a_plural_noun_below_a_resource_creates_there():
    notes = {"/customers/{customer}/notes": {"parameters": [{"name": "customer", "in": "path", "required": True,
                                                             "schema": {"type": "string"}}],
                                             "post": {"responses": {"200": {"description": "ok"}}}}}
    assert not acts_on_its_parent(operation("POST /customers/{customer}/notes", notes))


def test_a_request_wrong_on_purpose_does_not_reach_the_operation_whatever_it_got():
    """An API that answers 200 to a malformed body, or to an id that does not exist, was not reached by a valid
    request: its answers to valid ones are what the reach figure is about (and what the hint quotes)."""
    label = "GET /repos/{name}"
    op = operation(label, REDIRECTS)
    reach = Reach()
    reach.record(RequestPlan(op, "malformed-json", broken=True), answer(200, operation=label))
    reach.record(RequestPlan(op, "generated"), answer(400, operation=label))
    assert not reach.reached(label)
    assert answers_hint(op, reach.by_operation[label]).startswith(
        "no valid request got a 2xx (answers to the valid credential: 400 x1)")
    reach.record(RequestPlan(op, "generated"), answer(200, operation=label))
    assert reach.reached(label)


def test_a_write_whose_every_valid_body_was_refused_asks_for_the_fields_a_412_notwithstanding():
    """Kinto: {} is refused (400, "Provide at least one of data or permissions"), and a body it would take came
    with a generated If-Match that matched nothing (412)."""
    label = "PATCH /buckets/{id}"
    spec = {"/buckets/{id}": {"parameters": [{"name": "id", "in": "path", "required": True,
                                              "schema": {"type": "string"}}],
                              "patch": {"requestBody": {"content": {"application/json": {"schema": {
                                  "type": "object", "properties": {"data": {"type": "object"}}}}}},
                                        "responses": {"200": {"description": "ok"}}}}}
    op = operation(label, spec)
    reach = Reach()
    for status in (400, 400, 412):
        reach.record(RequestPlan(op, "generated"), answer(status, method="PATCH", operation=label))
    assert answers_hint(op, reach.by_operation[label]).endswith(
        "the API refused every body built from the spec; give the fields it wants with "
        "--conformance-param /buckets/{id}:body:NAME=VALUE")
    reach.record(RequestPlan(op, "generated"), answer(500, method="PATCH", operation=label))
    assert answers_hint(op, reach.by_operation[label]).endswith("412 x1, 500 x1)")  # a 500 is not a refusal
