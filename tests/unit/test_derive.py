"""conformance derive on small hand-written documents (not the seeds): each mapping, the example rules (structure
binds only where no sentence defines the format; a value is advice), the unmapped promises, the three readers,
and that the same document gives the same catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.derive import derive
from conformance.derive.command import coverage
from conformance.derive.normative import classify
from conformance.derive.reader import Sentence, read_document
from conformance.run import load_catalog

AUTH_MD = """# Acme API

## Authentication

Every request must be authenticated. The only way to authenticate is the `X-Api-Key` header carrying your key.

## Errors

| Status | Meaning |
|---|---|
| 404 | The widget does not exist |
| 422 | Validation failed: a field is missing or invalid |
"""

FORMAT_MD = """# Beta API

## Errors

The API always returns errors in the following format:

```json
{"ok": false, "problems": [{"detail": "Name is missing"}], "trace": "abc"}
```

## CORS

The API supports CORS for requests from any origin. Example headers:

```
Access-Control-Max-Age: 600
```

## Transport

All traffic must use TLS 1.2.
"""

DEFINED_MD = """# Gamma API

## Errors

In case of error, the API will send a JSON response with the list of faults.
Each fault has a reason and a code.

```
HTTP/1.1 400 Bad Request

{"faults": [{"reason": "Malformed JSON: parsing failed", "code": 7}]}
```

## Dates

All dates returned by the API are in UTC and use the ISO-8601 format.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rules(data) -> dict:
    return {r["id"]: r for r in data["rules"]}


@pytest.mark.parametrize("text, severity", [
    ("Responses must carry a request id.", "must"), ("All dates are in UTC.", "must"),
    ("Clients should retry after a 503.", "should"), ("The API returns JSON.", "must"),
    ("You can read more in the guide.", None), ("For example, the url should be /docs.", None),
])
def test_a_sentence_is_normative_by_its_wording(text, severity):
    found = classify(Sentence("s", text, text, 0))
    assert (found.severity if found else None) == severity


def test_authentication_and_a_status_table(tmp_path):
    data, _ = derive([write(tmp_path, "acme.md", AUTH_MD)])
    found = rules(data)
    assert data["auth"]["channels"] == [{"in": "header", "name": "X-Api-Key", "format": "{token}"}]
    assert data["auth"]["protects"] == "all"
    assert {"in": "query", "name": "token"} in data["auth"]["unsupported_channels"]
    assert {"auth.missing-credentials", "auth.invalid-credentials", "auth.valid-credentials",
            "auth.unsupported-channel"} <= set(found)
    assert found["errors.not-found"]["params"] == {"status": 404}
    assert found["errors.invalid-input"]["params"] == {"status": 422}
    assert "errors.malformed-json" not in found  # the row says "invalid", not "malformed"
    assert found["auth.missing-credentials"]["source"] == {
        "document": "acme.md", "section": "Authentication", "quote": "Every request must be authenticated."}
    assert found["auth.missing-credentials"]["trigger"] == "must be authenticated"


def test_an_example_defines_a_format_no_sentence_defines_and_its_values_are_advice(tmp_path):
    data, _ = derive([write(tmp_path, "beta.md", FORMAT_MD)])
    found = rules(data)
    example = found["errors.envelope-example"]
    assert example["basis"] == "example-structure" and example["check"] == "errors.envelope"
    assert example["params"]["schema"] == {
        "type": "object", "required": ["ok", "problems", "trace"],
        "properties": {"ok": {"const": False},
                       "problems": {"type": "array", "minItems": 1, "items": {
                           "type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}},
                       "trace": {"type": "string"}}}
    assert "Name is missing" not in str(example["params"])  # a value never binds
    assert found["cors.max-age"] == {**found["cors.max-age"], "basis": "example-value", "severity": "should",
                                     "params": {"value": 600}}
    tls = [u for u in data["unobservable"] if "TLS" in u["promise"]]
    assert tls and tls[0]["kind"] == "not-observable" and tls[0]["source"]["quote"] == "All traffic must use TLS 1.2."


def test_a_format_a_sentence_defines_binds_by_its_names_not_by_the_example(tmp_path):
    data, _ = derive([write(tmp_path, "gamma.md", DEFINED_MD)])
    found = rules(data)
    assert "errors.envelope-example" not in found
    assert found["errors.envelope"]["basis"] == "sentence"
    assert found["errors.envelope"]["params"]["schema"]["properties"]["faults"] == {
        "type": "array", "minItems": 1, "items": {"type": "object", "required": ["reason", "code"]}}
    malformed = found["errors.malformed-json"]
    assert (malformed["basis"], malformed["severity"], malformed["params"]) == ("example-value", "should",
                                                                                {"status": 400, "code": 7})
    assert found["dates.iso8601-utc"]["severity"] == "must"


def test_html_and_plain_text_read_as_sections(tmp_path):
    page = ("<html><head><title>Delta</title></head><body><h2>Dates</h2><p>All dates are returned as "
            "<code>ISO-8601</code> in UTC.</p><h2>Verbs</h2><table><tr><th>Verb</th><th>Use</th></tr>"
            "<tr><td>PATCH</td><td>Used for a partial update of a resource.</td></tr></table></body></html>")
    data, _ = derive([write(tmp_path, "delta.html", page)])
    found = rules(data)
    assert data["documents"] == [{"file": "delta.html", "title": "Delta"}]
    assert found["dates.iso8601-utc"]["source"]["section"] == "Dates"
    assert found["methods.patch-partial"]["source"]["quote"] == "PATCH | Used for a partial update of a resource."
    text = "Epsilon API\n\nDates\n\nAll dates returned by the API are in UTC and use the ISO 8601 format.\n"
    doc = read_document(write(tmp_path, "epsilon.txt", text))
    assert [(s.section, s.text) for s in doc.sentences] == [
        ("Dates", "All dates returned by the API are in UTC and use the ISO 8601 format.")]


def test_the_same_document_gives_the_same_catalog(tmp_path):
    path = write(tmp_path, "beta.md", FORMAT_MD + AUTH_MD)
    assert derive([path])[1] == derive([path])[1]


def test_a_derived_catalog_loads_and_its_coverage_counts_the_normative_sentences(tmp_path):
    data, text = derive([write(tmp_path, "beta.md", FORMAT_MD)])
    catalog = load_catalog(str(write(tmp_path, "beta.yaml", text)))
    assert catalog.rule("cors.max-age").advisory
    rows, checked = coverage(data, {r.id for r in catalog.rules})
    quotes = {row[0]["quote"]: (row[1], row[2]) for row in rows}
    assert quotes["All traffic must use TLS 1.2."][0] == []
    assert quotes["All traffic must use TLS 1.2."][1].startswith("not-observable")
    assert "errors.envelope-example" in quotes["The API always returns errors in the following format:"][0]
    assert (checked, len(rows)) == (2, 3)
