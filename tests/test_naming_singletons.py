"""A document that excuses singletons from plural names (Heroku's design guide: "Use the plural version of a
resource name unless the resource in question is a singleton within the system") does not fail an API's /me:
seen on the FastAPI target of ../shared/realworld (GET /me, the caller's own user), run with the catalog
derived from the guide. A loopback server that behaves like it: /items with /items/{id}, and /me."""

from __future__ import annotations

import json

from independent.serving import js

CATALOG = """profile: singletons
title: Plural names, singletons excused
extends: http
documents: [{file: guide.md, title: A guide}]
rules:
  - id: naming.plural-resources
    category: naming
    title: Collection segments are plural nouns
    severity: must
    source: {document: guide.md, section: Resource names,
             quote: "Use the plural version of a resource name unless the resource in question is a singleton."}
    params: {singletons: SINGLETONS}
"""
OBJECT = {"application/json": {"schema": {"type": "object"}}}
SPEC = {"openapi": "3.0.3", "info": {"title": "me", "version": "1"}, "paths": {
    "/items": {"get": {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}}}},
    "/items/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                            "schema": {"type": "integer"}}],
                            "responses": {"200": {"description": "ok", "content": OBJECT},
                                          "404": {"description": "no", "content": OBJECT}}}},
    "/me": {"get": {"responses": {"200": {"description": "ok", "content": OBJECT}}}},
    "/person": {"get": {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}}}}}}


def handler(request):
    if request.path == "/items" or request.path == "/person":
        return js(200, [{"id": 1}])
    if request.path == "/items/1":
        return js(200, {"id": 1})
    if request.path.startswith("/items/"):
        return js(404, {"detail": "Item not found"})
    if request.path == "/me":
        return js(200, {"name": "alice"})
    return js(404, {"detail": "Not Found"})


def run(run_conformance, tmp_path, serve, singletons: bool):
    (tmp_path / "spec.json").write_text(json.dumps(SPEC))
    (tmp_path / "catalog.yaml").write_text(CATALOG.replace("SINGLETONS", str(singletons).lower()))
    server = serve(handler)
    return run_conformance(None, f"--conformance-spec={tmp_path / 'spec.json'}", url=server.url,
                           profile=str(tmp_path / "catalog.yaml"), token=None, forbidden=None)


def cells(outcome) -> dict[str, str]:
    rule = outcome.rule("naming.plural-resources")
    return {label: cell["status"] for label, cell in rule["operations"].items()}


def test_plural_resources_no_false_positive_on_me_where_the_document_excuses_singletons(run_conformance, tmp_path,
                                                                                         serve):
    outcome = run(run_conformance, tmp_path, serve, singletons=True)
    assert cells(outcome)["GET /me"] == "passed"
    # a list is a collection whatever the document excuses: /person fails
    assert cells(outcome)["GET /person"] == "failed"
    assert "The path segment 'person' in /person is not plural" in outcome.output()


def test_a_document_that_excuses_no_singleton_fails_me(run_conformance, tmp_path, serve):
    outcome = run(run_conformance, tmp_path, serve, singletons=False)
    assert cells(outcome)["GET /me"] == "failed"
    assert "The path segment 'me' in /me is not plural" in outcome.output()
