"""naming.lower-case-attributes on a json-server-like API (seen on json-server 0.17 of ../shared/realworld, run
with the catalog derived from Heroku's design guide): it keeps whatever fields a POST carried, so earlier fuzzing
left keys of control characters in its records. Those are data a client wrote, not the API's attribute names;
its own camelCase ``postId`` is."""

from __future__ import annotations

import json

from independent.serving import js

CATALOG = """profile: attributes
title: Attribute names downcased and underscore-separated
extends: http
documents: [{file: guide.md, title: A guide}]
rules:
  - id: naming.lower-case-attributes
    category: naming
    title: Attribute names are downcased and underscore-separated
    severity: must
    source: {document: guide.md, section: Attribute names, quote: "Use downcased and underscore-separated attribute names."}
    params: {separator: _}
"""
ITEMS = {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}
SPEC = {"openapi": "3.0.3", "info": {"title": "comments", "version": "1"}, "paths": {
    "/comments": {"get": {"responses": {"200": {"description": "ok", "content": ITEMS}}}}}}


def run(run_conformance, tmp_path, serve, records):
    (tmp_path / "spec.json").write_text(json.dumps(SPEC))
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    server = serve(lambda request: js(200, records))
    return run_conformance(None, f"--conformance-spec={tmp_path / 'spec.json'}", url=server.url,
                           profile=str(tmp_path / "catalog.yaml"), token=None, forbidden=None)


def test_lower_case_attributes_no_false_positive_on_keys_fuzzing_left_in_a_json_server(run_conformance, tmp_path,
                                                                                        serve):
    outcome = run(run_conformance, tmp_path, serve, [{"id": 4, "post_id": 5, "body": "c"},
                                                     {"id": 5, "\x9f\x82z醾Ü¶": 1, "Ýë x": [], "": None}])
    assert outcome.status("naming.lower-case-attributes") == "passed", outcome.output()


def test_the_apis_own_camel_case_attribute_fails(run_conformance, tmp_path, serve):
    outcome = run(run_conformance, tmp_path, serve, [{"id": 4, "postId": 5, "\x9f\x82z醾Ü¶": 1}])
    assert outcome.status("naming.lower-case-attributes") == "failed"
    assert ("In a 200 JSON body the field 'postId' is not lower-case; the document says attribute names are "
            "downcased and underscore-separated (e.g. 'post_id').") in outcome.output()
