"""The template rules of issue 21 run by the real plugin against a loopback Werkzeug API that pages, caches and names
things as Heroku's guide says: the conforming API passes every one of them (judged, not skipped), and an API that
breaks one of them fails exactly that one, with its message."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

ARRAY = {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}
OBJECT = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}


def spec(setups: str = "app-setups") -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "platform", "version": "1"}, "paths": {
        "/apps": {"get": {"responses": {"200": ARRAY, "206": ARRAY}}},
        "/apps/{app_id}": {"parameters": [{"name": "app_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                           "get": {"responses": {"200": OBJECT, "304": {"description": "not modified"},
                                                 "404": OBJECT}}},
        f"/{setups}": {"get": {"responses": {"200": ARRAY, "206": ARRAY}}}}}


CATALOG = """
profile: platform
title: The platform's guide, as template rules
documents: [{file: guide.md, title: The platform's HTTP API guide}]
rules:
  - id: headers.required
    category: headers
    title: Every response carries a Request-Id
    severity: must
    source: {document: guide.md, section: Request ids, quote: "Include a Request-Id header in each API response."}
    params: {headers: [Request-Id]}
  - id: conditional.etag
    category: conditional
    title: GETs carry an ETag and answer If-None-Match with 304
    severity: must
    source: {document: guide.md, section: ETags, quote: "Include an ETag header in all responses."}
  - id: pagination.range
    category: pagination
    title: Lists are paged with Range headers
    severity: must
    source: {document: guide.md, section: Ranges, quote: "Large responses are broken across requests with Range headers."}
  - id: naming.lower-case-paths
    category: naming
    title: Paths are downcased and dash-separated
    severity: must
    source: {document: guide.md, section: Case, quote: "Use downcased and dash-separated path names."}
    params: {separator: "-"}
  - id: naming.lower-case-attributes
    category: naming
    title: Attributes are downcased and underscore-separated
    severity: must
    source: {document: guide.md, section: Case, quote: "Use downcased and underscore-separated attribute names."}
    params: {separator: "_"}
  - id: content-type.minified-json
    category: content-type
    title: JSON is minified
    severity: must
    source: {document: guide.md, section: JSON, quote: "Keep JSON minified in all responses."}
"""
RANGE = re.compile(r"^\s*(?:id\s+)?(\]?)([\w-]*)\s*\.\.\s*(?:;\s*max=(\d+))?\s*$")


class Platform:
    """Apps and app setups keyed by id; Range pages; ETags; a Request-Id on every answer; minified JSON with
    downcased, underscore-separated attributes. A fault breaks one of these."""

    def __init__(self, fault: str = "") -> None:
        self.fault = fault
        self.apps = {f"app-{n}": {"id": f"app-{n}", "app_name": f"App {n}", "created_at": "2025-07-01T10:00:00Z"}
                     for n in "abcde"}

    def json(self, status: int, body: Any, **headers: str) -> Response:
        if self.fault == "camel-case" and isinstance(body, dict) and "created_at" in body:
            body = {("createdAt" if k == "created_at" else k): v for k, v in body.items()}
        text = json.dumps(body, indent=2) if self.fault == "pretty" else json.dumps(body, separators=(",", ":"))
        return Response(text, status=status, mimetype="application/json", headers=headers)

    def listing(self, request: Request, items: list[dict[str, Any]]) -> Response:
        items = sorted(items, key=lambda item: item["id"])
        asked = RANGE.match(request.headers.get("Range", "")) if self.fault != "range" else None
        if asked is None:
            return self.json(200, items)
        after, start, size = asked.group(1), asked.group(2), int(asked.group(3) or 200)
        rest = [i for i in items if not start or (i["id"] > start if after else i["id"] >= start)]
        part = rest[:size]
        headers = {"Content-Range": f"id {part[0]['id']}..{part[-1]['id']}" if part else "id .."}
        if len(rest) > size:
            headers["Next-Range"] = f"]{part[-1]['id']}..; max={size}"
            return self.json(206, part, **headers)
        return self.json(200, part, **headers)

    def __call__(self, request: Request) -> Response:
        response = self.route(request)
        if response.status_code == 200 and request.method == "GET":
            tag = '"' + hashlib.sha1(response.get_data()).hexdigest()[:12] + '"'
            if request.headers.get("If-None-Match") == tag and self.fault != "etag":
                response = Response(status=304)
            response.headers["ETag"] = tag
        if self.fault != "request-id" or request.path.count("/") < 2:  # the fault: items lack it
            response.headers["Request-Id"] = "4b6c1a1e-0d4a-4c8e-9d0a-2f7f4e0b6a11"
        return response

    def route(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if request.method not in ("GET", "HEAD"):
            return self.json(405, {"id": "method_not_allowed", "message": "Only GET"}, Allow="GET, HEAD")
        if parts in (["apps"], ["app-setups"], ["appSetups"]):
            return self.listing(request, list(self.apps.values()))
        if len(parts) == 2 and parts[0] == "apps" and parts[1] in self.apps:
            return self.json(200, self.apps[parts[1]])
        return self.json(404, {"id": "not_found", "message": "No such app"})


FAULTS = {
    "": (set(), ""),
    "request-id": ({"headers.required"}, "A 200 answer to GET has no Request-Id header; the document says every "
                                         "response carries it."),
    "etag": ({"conditional.etag"}, "(the ETag it had just answered) was answered 200; expected 304 Not Modified."),
    "range": ({"pagination.range"}, "with Range: id ..; max=2 was answered 200 without a Content-Range header"),
    "camel-case": ({"naming.lower-case-attributes"}, "In a 200 JSON body the field 'createdAt' is not lower-case"),
    "pretty": ({"content-type.minified-json"}, "JSON body has whitespace between its tokens at byte 1"),
    "upper-path": ({"naming.lower-case-paths"}, "The path segment 'appSetups' in /appSetups is not lower-case; the "
                                                "document says path names are downcased and dash-separated"),
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=[f or "conforming" for f in FAULTS])
def test_each_template_rule_passes_a_conforming_api_and_fails_one_that_breaks_it(fault, serve, run_conformance,
                                                                                  tmp_path):
    server = serve(Platform(fault))
    (tmp_path / "platform.yaml").write_text(CATALOG)
    (tmp_path / "spec.json").write_text(json.dumps(spec("appSetups" if fault == "upper-path" else "app-setups")))
    outcome = run_conformance(None, f"--conformance-spec={tmp_path / 'spec.json'}", url=server.url,
                              profile=str(tmp_path / "platform.yaml"), token=None, forbidden=None)
    broken, message = FAULTS[fault]
    assert outcome.failed == broken, outcome.output()
    assert outcome.ret == (1 if broken else 0), outcome.output()
    for rule_id in broken:
        assert any(message in m for m in outcome.messages(rule_id)), outcome.messages(rule_id)
    if not fault:  # judged, not skipped
        for rule in outcome.report["rules"]:
            assert rule["status"] == "passed", rule


GUIDE = """# Platform HTTP API guide

## Request ids

Include a `Request-Id` header in each API response, populated with a UUID value.

## Caching

Include an `ETag` header in all responses. Clients send it back in `If-None-Match` and get a 304 when nothing changed.

## Ranges

Large responses should be broken across multiple requests using `Range` headers.

## Case

Use downcased and dash-separated path names. Downcase attributes as well, but use underscore separators.

## JSON

It is best to keep JSON responses minified.

## Errors

Generate consistent, structured response bodies on errors, e.g.:

```json
{"id": "not_found", "message": "No such app"}
```
"""


def test_the_catalog_derived_from_a_style_guide_judges_the_api_that_keeps_it(serve, run_conformance, tmp_path):
    """From the document to the verdicts: the catalog derive writes from a guide in Heroku's manner is run as it is,
    and the API that keeps the guide fails none of its rules and passes the template rules (judged, not skipped)."""
    from conformance.derive import derive

    (tmp_path / "guide.md").write_text(GUIDE, encoding="utf-8")
    _, text = derive([tmp_path / "guide.md"])
    (tmp_path / "derived.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "spec.json").write_text(json.dumps(spec()))
    server = serve(Platform())
    outcome = run_conformance(None, f"--conformance-spec={tmp_path / 'spec.json'}", url=server.url,
                              profile=str(tmp_path / "derived.yaml"), token=None, forbidden=None)
    assert outcome.ret == 0, outcome.output()
    statuses = {r["id"]: r["status"] for r in outcome.report["rules"]}
    for rule_id in ("headers.request-id", "conditional.etag", "pagination.range", "naming.lower-case-paths",
                    "naming.lower-case-attributes", "content-type.minified-json"):
        assert statuses[rule_id] == "passed", (rule_id, statuses)
