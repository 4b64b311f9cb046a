"""The template checks of issue 21 (headers.required, conditional.etag, pagination.range, naming.lower-case-paths,
naming.lower-case-attributes, content-type.minified-json), each judged on hand-made exchanges and a real Context of a
small catalog of them: no server, seconds."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest

from conformance.judge import judge
from conformance.models import Exchange, Request, Response, Verdict
from conformance.probes import ConditionalGet, RangeWalk, Revalidation
from conformance.rules import CHECKS
from conformance.settings import Settings

from evidence_kit import answer, context, evidence, operation

TEMPLATES = """
profile: templates
title: The template rules
documents: [{file: guide.md, title: A guide}]
rules:
  - {id: headers.required, category: headers, title: t, severity: must, source: {document: guide.md, section: s},
     params: {headers: [Request-Id]}}
  - {id: conditional.etag, category: conditional, title: t, severity: must, source: {document: guide.md, section: s}}
  - {id: pagination.range, category: pagination, title: t, severity: must, source: {document: guide.md, section: s}}
  - {id: naming.lower-case-paths, category: naming, title: t, severity: must, source: {document: guide.md, section: s},
     params: {separator: "-"}}
  - {id: naming.lower-case-attributes, category: naming, title: t, severity: must,
     source: {document: guide.md, section: s}, params: {separator: "_"}}
  - {id: content-type.minified-json, category: content-type, title: t, severity: must,
     source: {document: guide.md, section: s}}
"""
_DIR = tempfile.TemporaryDirectory(prefix="templates-")
CATALOG = Path(_DIR.name) / "templates.yaml"
CATALOG.write_text(TEMPLATES)
SETTINGS = Settings(url="http://api.test", spec=None, profile=str(CATALOG), token=None, forbidden_token=None, json=None,
                    html=None, sarif=None, baseline=None, update_baseline=False, max_examples=1, seed=1,
                    seed_given=False, timeout=5, max_rps=None, max_requests=None, read_only=False,
                    rate_limit_probe=None, retry_after_cap=5, rootdir=Path("."))
ITEM = "GET /items/{id}"
LIST_SPEC = {"/apps": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
    "schema": {"type": "array", "items": {"type": "object"}}}}}}}},
             "/apps/{app}": {"parameters": [{"name": "app", "in": "path", "required": True, "schema": {"type": "string"}}],
                             "get": {"responses": {"200": {"description": "ok"}}}},
             "/account": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
                 "schema": {"type": "object"}}}}}}}}


def verdict(rule_id: str, label: str, *exchanges: Exchange, params: dict[str, Any] | None = None,
            paths: dict[str, Any] | None = None, results: dict[str, Any] | None = None):
    """The rule's verdict on the operation, judged as a run judges it (the judge, a real Context)."""
    op = operation(label, paths)
    found = evidence(label, *exchanges, results=results or {})
    ctx = dataclasses.replace(context(str(CATALOG), rule_id, op, found, params=params), settings=SETTINGS)
    check = CHECKS[ctx.rule.check]
    why = check.applies(dataclasses.replace(ctx, evidence=None)) if check.applies else None
    return Verdict(ctx.rule, label, "not-applicable", why) if why else judge(check, ctx)


def messages(found) -> list[str]:
    return [v.message for v in found.violations]


def js(status: int, body: Any, *, pretty: bool = False, **headers: str) -> tuple[int, dict[str, str], bytes]:
    text = json.dumps(body, indent=2) if pretty else json.dumps(body, separators=(",", ":"))
    return status, {"Content-Type": "application/json", **headers}, text.encode()


# -- headers.required --------------------------------------------------------------------------------------------
def test_headers_required_a_response_without_the_header_is_a_violation():
    found = verdict("headers.required", ITEM, answer(200, {"Request-Id": "a1"}), answer(404, {}))
    assert found.status == "failed"
    assert messages(found) == ["A 404 answer to GET has no Request-Id header; the document says every response "
                               "carries it."]


def test_headers_required_names_every_missing_header_and_keeps_to_its_statuses_and_methods():
    params = {"headers": ["X-RateLimit-Limit", "X-RateLimit-Remaining"], "statuses": ["2xx"], "methods": ["GET"]}
    found = verdict("headers.required", ITEM, answer(200, {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": " "}),
                    answer(500, {}), params=params)
    assert messages(found) == ["A 200 answer to GET has no X-RateLimit-Remaining header; the document says every 2xx "
                               "response to GET carries it."]
    found = verdict("headers.required", ITEM, answer(200, {}), params={"headers": ["A-B", "C-D"]})
    assert messages(found) == ["A 200 answer to GET has none of the headers A-B, C-D; the document says every "
                               "response carries them."]


def test_headers_required_no_false_positive_on_a_header_in_another_case():
    found = verdict("headers.required", ITEM, answer(200, {"request-id": "a1"}), answer(404, {"REQUEST-ID": "b2"}))
    assert found.status == "passed" and found.judged == 2


# -- content-type.minified-json ---------------------------------------------------------------------------------
def test_minified_json_a_pretty_printed_body_is_a_violation():
    status, headers, body = js(200, {"id": 1, "name": "a"}, pretty=True)
    found = verdict("content-type.minified-json", ITEM, answer(status, headers, body))
    assert messages(found) == ["A 200 JSON body has whitespace between its tokens at byte 1 ('{\\n  \"id\": 1,\\n'); "
                               "the document says JSON bodies are minified."]
    spaced = answer(200, {"Content-Type": "application/json"}, b'{"id": 1}')
    assert messages(verdict("content-type.minified-json", ITEM, spaced))[0].startswith(
        "A 200 JSON body has whitespace between its tokens at byte 6")


def test_minified_json_no_false_positive_on_spaces_in_strings_escapes_or_a_final_newline():
    body = b'{"name":"a \\" b { c","list":[1,2]}\n'
    found = verdict("content-type.minified-json", ITEM, answer(200, {"Content-Type": "application/json"}, body),
                    answer(200, {"Content-Type": "text/plain"}, b"a b c"), answer(204, {}, b""))
    assert found.status == "passed" and found.judged == 1
    strict = verdict("content-type.minified-json", ITEM, answer(200, {"Content-Type": "application/json"}, body),
                     params={"trailing_newline": False})
    assert messages(strict)[0].startswith("A 200 JSON body has whitespace between its tokens at byte 34")


# -- naming.lower-case-paths / -attributes -----------------------------------------------------------------------
@pytest.mark.parametrize("path, expected", [
    ("/app-setups/{appSetupId}", []),
    ("/v1/openapi.json", []),
    ("/app_setups", ["The path segment 'app_setups' in /app_setups separates words with '_', not '-'; the document "
                     "says path names are downcased and dash-separated (e.g. 'app-setups')."]),
    ("/appSetups", ["The path segment 'appSetups' in /appSetups is not lower-case; the document says path names are "
                    "downcased and dash-separated (e.g. 'app-setups')."]),
])
def test_lower_case_paths(path, expected):
    found = verdict("naming.lower-case-paths", f"GET {path}", paths={path: {"get": {"responses": {"200": {
        "description": "ok"}}}}})
    assert messages(found) == expected


def test_lower_case_attributes_a_camel_case_field_is_a_violation():
    status, headers, body = js(200, {"id": 1, "createdAt": "x", "owner": {"user_id": 2, "e-mail": "a"}})
    found = verdict("naming.lower-case-attributes", ITEM, answer(status, headers, body))
    assert messages(found) == ["In a 200 JSON body the fields 'createdAt', 'e-mail' are not downcased and "
                               "underscore-separated; the document says attribute names are downcased and "
                               "underscore-separated (e.g. 'created_at')."]


def test_lower_case_attributes_no_false_positive_on_map_keys_markers_and_what_the_suite_sent():
    """A map the spec describes (keys are data: config vars, labels), a leading marker (_links) and a name the suite
    itself sent (an echo) are not the API's attribute names."""
    paths = {"/vars": {"patch": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                                 "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                                     "type": "object", "properties": {"config": {
                                         "type": "object", "additionalProperties": {"type": "string"}}}}}}}}}}}
    status, headers, body = js(200, {"config": {"DATABASE_URL": "x"}, "_links": {}, "echoMe": 1})
    exchange = Exchange("generated", Request("PATCH", "http://api.test/vars", {}, b'{"echoMe": 1}'),
                        Response(status, {k.lower(): [v] for k, v in headers.items()}, body), operation="PATCH /vars")
    found = verdict("naming.lower-case-attributes", "PATCH /vars", exchange, paths=paths)
    assert found.status == "passed", messages(found)


# -- conditional.etag --------------------------------------------------------------------------------------------
def _get(status: int = 200, body: bytes = b'{"id":1}', **headers: str) -> Exchange:
    return answer(status, {"Content-Type": "application/json", **headers}, body, kind="conditional-get")


def conditional(first: Exchange, *agains: Exchange, date: Exchange | None = None) -> ConditionalGet:
    result = ConditionalGet(first)
    get = first
    for again in agains:
        result.by_etag.append(Revalidation(get, "If-None-Match", get.response.header("etag"), again))
        get = again
    if date is not None:
        result.by_date = Revalidation(first, "If-Modified-Since", first.response.header("last-modified"), date)
    return result


def test_etag_a_304_without_content_passes():
    first = _get(ETag='"v1"')
    found = verdict("conditional.etag", ITEM, first, results={"conditional-get": conditional(first, _get(304, b""))})
    assert found.status == "passed", found


@pytest.mark.parametrize("again, expected", [
    (_get(200, ETag='"v1"'), "GET http://api.test/items/1 with If-None-Match: \"v1\" (the ETag it had just answered) "
                             "was answered 200; expected 304 Not Modified."),
    (_get(304, b"{}"), "GET http://api.test/items/1 with If-None-Match: \"v1\" was answered 304 with 2 bytes of "
                       "content; a 304 has none."),
    (_get(200, ETag='"v2"'), "GET http://api.test/items/1 answered the same content with ETag \"v1\" and then \"v2\"; "
                             "an unchanged resource keeps its ETag, so If-None-Match never matches."),
])
def test_etag_a_conditional_get_not_answered_304_is_a_violation(again, expected):
    first = _get(ETag='"v1"')
    found = verdict("conditional.etag", ITEM, first, results={"conditional-get": conditional(first, again)})
    assert messages(found) == [expected]


def test_etag_missing_and_last_modified():
    first = _get()
    found = verdict("conditional.etag", ITEM, first, results={"conditional-get": conditional(first)})
    assert messages(found) == ["GET http://api.test/items/1 was answered 200 without an ETag header; the document "
                               "says responses carry one."]
    first = _get(ETag='"v1"', **{"Last-Modified": "Tue, 01 Jul 2025 10:00:00 GMT"})
    result = conditional(first, _get(304, b""), date=_get(200))
    found = verdict("conditional.etag", ITEM, first, results={"conditional-get": result}, params={"last_modified": True})
    assert messages(found) == ["GET http://api.test/items/1 with If-Modified-Since: Tue, 01 Jul 2025 10:00:00 GMT "
                               "(the Last-Modified date it had just answered) was answered 200; expected 304 Not "
                               "Modified."]


def test_etag_no_false_positive_on_a_resource_that_changed_between_the_requests():
    first = _get(ETag='"v1"')
    changed = _get(200, b'{"id":1,"n":2}', ETag='"v2"')
    again = _get(200, b'{"id":1,"n":3}', ETag='"v3"')
    found = verdict("conditional.etag", ITEM, first, results={"conditional-get": conditional(first, changed, again)})
    assert found.status == "skipped" and "changed" in found.reason
    missing = verdict("conditional.etag", ITEM, _get(404), results={"conditional-get": conditional(_get(404))})
    assert missing.status == "skipped"
    assert verdict("conditional.etag", "POST /items").status == "not-applicable"


# -- pagination.range --------------------------------------------------------------------------------------------
def page(status: int, items: list[Any], **headers: str) -> Exchange:
    body = json.dumps(items).encode()
    return answer(status, {"Content-Type": "application/json", **headers}, body, kind="range-walk",
                  operation="GET /apps", url="http://api.test/apps")


def ranged(*pages: tuple[str, Exchange]) -> dict[str, RangeWalk]:
    return {"range-walk": RangeWalk(list(pages))}


def test_range_pages_a_conforming_walk_passes():
    first = page(206, [{"id": "a"}, {"id": "b"}], **{"Content-Range": "id a..b", "Next-Range": "]b..; max=2"})
    last = page(200, [{"id": "c"}], **{"Content-Range": "id c..c"})
    found = verdict("pagination.range", "GET /apps", first, paths=LIST_SPEC,
                    results=ranged(("id ..; max=2", first), ("]b..; max=2", last)))
    assert found.status == "passed", messages(found)


def test_range_pages_an_api_that_ignores_range_is_a_violation():
    every = page(200, [{"id": "a"}, {"id": "b"}, {"id": "c"}])
    found = verdict("pagination.range", "GET /apps", every, paths=LIST_SPEC, results=ranged(("id ..; max=2", every)))
    assert messages(found) == [
        "GET http://api.test/apps with Range: id ..; max=2 was answered 200 without a Content-Range header; the "
        "document says a list answers with the range it holds.",
        "GET http://api.test/apps with Range: id ..; max=2 was answered with 3 items; expected at most 2."]


def test_range_pages_a_partial_answer_without_next_range_and_a_repeated_item():
    first = page(206, [{"id": "a"}, {"id": "b"}], **{"Content-Range": "id a..b"})
    assert messages(verdict("pagination.range", "GET /apps", first, paths=LIST_SPEC,
                            results=ranged(("id ..; max=2", first)))) == [
        "GET http://api.test/apps with Range: id ..; max=2 was answered 206 Partial Content without a Next-Range "
        "header, so the client cannot ask for the rest."]
    first = page(206, [{"id": "a"}, {"id": "b"}], **{"Content-Range": "id a..b", "Next-Range": "]a..; max=2"})
    again = page(200, [{"id": "b"}], **{"Content-Range": "id b..b"})
    assert messages(verdict("pagination.range", "GET /apps", first, paths=LIST_SPEC,
                            results=ranged(("id ..; max=2", first), ("]a..; max=2", again)))) == [
        "The page asked with Range: ]a..; max=2 lists id \"b\" again (the page asked with Range: id ..; max=2 listed "
        "it); each item is on one page."]


def test_range_pages_judges_only_list_operations():
    assert verdict("pagination.range", "GET /apps/{app}", paths=LIST_SPEC).status == "not-applicable"
    assert verdict("pagination.range", "GET /account", paths=LIST_SPEC).status == "not-applicable"
    empty = page(200, [])
    found = verdict("pagination.range", "GET /apps", empty, paths=LIST_SPEC, results=ranged(("id ..; max=2", empty)))
    assert found.status == "skipped" and "empty" in found.reason



def test_lower_case_attributes_no_false_positive_on_keys_a_client_wrote():
    """json-server keeps whatever fields a POST carried: keys of control characters and spaces that earlier
    fuzzing wrote are data, not the API's attribute names; its own camelCase field still fails."""
    status, headers, body = js(200, [{"id": 4, "postId": 5, "\x9f\x82z醾": 1, "two words": 2, "": 3}])
    found = verdict("naming.lower-case-attributes", ITEM, answer(status, headers, body))
    assert messages(found) == ["In a 200 JSON body the field 'postId' is not lower-case; the document says attribute "
                               "names are downcased and underscore-separated (e.g. 'post_id')."]
