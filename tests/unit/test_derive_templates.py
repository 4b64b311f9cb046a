"""conformance derive draws the template rules of issue 21 from the sentences of a document nobody wrote for us (a
style guide in Heroku's manner, imperatives included), with their params read off the sentence; it draws none where
a sentence says the opposite or is about requests; and an error envelope given only by its example binds by its
structure, the fields the document calls optional left out of what is required and no value of the example kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.derive import derive
from conformance.run import load_catalog

GUIDE = """# Platform HTTP API guide

## Request ids

Include a `Request-Id` header in each API response, populated with a UUID value.

## Caching

Include an `ETag` header in all responses, identifying the specific version of the returned resource.
Clients use this value in the `If-None-Match` header and get a 304 when nothing changed.

## Ranges

Large responses should be broken across multiple requests using `Range` headers to specify when more data is
available and how to retrieve it.

```
Range: name ..; max=10
```

## Case

Use downcased and dash-separated path names, for alignment with hostnames.
Downcase attributes as well, but use underscore separators so that attribute names can be typed without quotes.

## JSON

Extra whitespace adds needless response size to requests, and many clients will automatically "prettify" JSON output.
It is best to keep JSON responses minified.

## Errors

Generate consistent, structured response bodies on errors.
Include a machine-readable error `id`, a human-readable error `message`, and optionally a `url` pointing the client to
further information about the error, e.g.:

```json
{"id": "rate_limit", "message": "Account reached its API rate limit.", "url": "https://docs.example/rate-limits"}
```

## Rate limits

All responses must contain the X-RateLimit-Remaining header.
"""


def derived(tmp_path: Path, text: str) -> tuple[dict, dict]:
    path = tmp_path / "guide.md"
    path.write_text(text, encoding="utf-8")
    data, yaml_text = derive([path])
    (tmp_path / "derived.yaml").write_text(yaml_text, encoding="utf-8")
    load_catalog(str(tmp_path / "derived.yaml"))  # the plugin runs it as it is: every params valid for its check
    return data, {r["id"]: r for r in data["rules"]}


def test_a_style_guide_gives_each_template_rule_with_its_params(tmp_path):
    data, rules = derived(tmp_path, GUIDE)
    assert rules["headers.request-id"]["check"] == "headers.required"
    assert rules["headers.request-id"]["params"] == {"headers": ["Request-Id"]}
    assert rules["headers.request-id"]["source"]["quote"] == ("Include a Request-Id header in each API response, "
                                                              "populated with a UUID value.")
    assert rules["headers.x-ratelimit-remaining"]["params"] == {"headers": ["X-RateLimit-Remaining"]}
    assert rules["headers.x-ratelimit-remaining"]["severity"] == "must"
    assert "params" not in rules["conditional.etag"]  # If-None-Match and 304 are in its section: it revalidates
    assert rules["conditional.etag"]["applies_to"] == {"methods": ["GET"]}
    assert rules["pagination.range"]["params"] == {"unit": "name"} and rules["pagination.range"]["severity"] == "should"
    assert rules["naming.lower-case-paths"]["params"] == {"separator": "-"}
    assert rules["naming.lower-case-attributes"]["params"] == {"separator": "_"}
    assert rules["content-type.minified-json"]["severity"] == "should"
    assert rules["content-type.minified-json"]["source"]["quote"] == "It is best to keep JSON responses minified."
    # every normative sentence, the imperatives included, is checked
    assert all(entry["rules"] for entry in data["normative"]), [e for e in data["normative"] if not e["rules"]]
    imperative = next(e for e in data["normative"] if e["quote"].startswith("Include a Request-Id"))
    assert imperative["trigger"] == 'an imperative "Include"'


def test_an_error_example_binds_by_its_structure_with_its_optional_fields_left_out(tmp_path):
    _, rules = derived(tmp_path, GUIDE)
    envelope = rules["errors.envelope-example"]
    assert envelope["check"] == "errors.envelope" and envelope["basis"] == "example-structure"
    assert envelope["source"]["quote"] == "Generate consistent, structured response bodies on errors."
    assert envelope["params"]["schema"] == {"type": "object", "required": ["id", "message"], "properties": {
        "id": {"type": "string"}, "message": {"type": "string"}, "url": {"type": "string"}}}
    assert "rate_limit" not in str(envelope["params"])  # a value of the example never binds


@pytest.mark.parametrize("sentence, checked", [
    ("Document your error format and the possible error `id`s that clients may encounter.", False),
    ("Services MUST document every error `id` they return.", False),
    ("Every error `id` MUST be documented.", False),
    ("Document your error format: every error body has an `id` and a `message`.", True),
    ("Every error body has an `id` and a `message`.", True),
])
def test_a_sentence_about_documenting_the_errors_is_not_checked_by_the_envelope(tmp_path, sentence, checked):
    """An instruction to document the error format is not what an error answers: unchecked, with the documentation
    reason; a sentence that states the format as it asks for it is checked by the envelope its example gives."""
    text = GUIDE.replace("further information about the error, e.g.:",
                         f"further information about the error. {sentence} For example:")
    data, rules = derived(tmp_path, text)
    assert "errors.envelope-example" in rules
    found = {n["quote"]: n for n in data["normative"]}
    quote = sentence.replace("`", "")
    assert bool(found[quote]["rules"]) is checked, found[quote]
    why = {u["promise"]: u for u in data["unobservable"]}
    if not checked:
        assert why[quote]["kind"] == "not-observable" and "documentation" in why[quote]["why"]
    else:
        assert "errors.envelope-example" in found[quote]["rules"] and quote not in why


@pytest.mark.parametrize("sentence, rule_id, params", [
    ("Every response includes a `Request-Id` header.", "headers.request-id", {"headers": ["Request-Id"]}),
    ("Every error response carries the `X-Trace-Id` header.", "headers.x-trace-id",
     {"headers": ["X-Trace-Id"], "statuses": ["4xx", "5xx"]}),
    ("The X-RateLimit-Limit and X-RateLimit-Remaining headers are returned with every 2xx response.",
     "headers.x-ratelimit-limit", {"headers": ["X-RateLimit-Limit"], "statuses": ["2xx"]}),
    ("Return the remaining number of request tokens with each request in the `RateLimit-Remaining` response header.",
     "headers.ratelimit-remaining", {"headers": ["RateLimit-Remaining"]}),
    ("Every response to GET requests includes the `X-Cache` header.", "headers.x-cache",
     {"headers": ["X-Cache"], "methods": ["GET"]}),
    ("Every response includes an ETag header.", "conditional.etag", {"revalidate": False}),
    ("JSON responses must be minified.", "content-type.minified-json", None),
    ("Paths are lower-case, and attribute names are snake_case.", "naming.lower-case-attributes", {"separator": "_"}),
    ("Paths are lower-case, and attribute names are snake_case.", "naming.lower-case-paths", {"separator": None}),
    ("All JSON responses are minified.", "content-type.minified-json", None),
])
def test_one_sentence_one_rule(tmp_path, sentence, rule_id, params):
    _, rules = derived(tmp_path, f"# Acme API\n\n## Conventions\n\n{sentence}\n")
    assert rule_id in rules, sorted(rules)
    assert rules[rule_id].get("params") == params


@pytest.mark.parametrize("sentence", [
    "Responses must not include the `X-Powered-By` header.",
    "Every request must include the `X-Api-Key` header.",
    "Any response may include the `X-Debug` header.",
    "Clients may send a `Range` header.",
    "Attribute names use camelCase; paths are lower-case except for ids.",
    "We never minify JSON responses.",
])
def test_no_false_positive_no_template_rule_from_what_the_sentence_does_not_promise(tmp_path, sentence):
    _, rules = derived(tmp_path, f"# Acme API\n\n## Conventions\n\n{sentence}\n")
    templates = {r for r in rules if r.startswith(("headers.", "conditional.", "pagination.range", "naming.lower-case",
                                                   "content-type.minified"))}
    assert templates == set(), templates


HEADER_TABLES = """# Acme API

## Response headers

Services return the following response headers.

| Response header | Required | Description |
| --- | --- | --- |
| `X-Request-Id` | All responses | A unique id of the request. This header MUST be included in the response. |
| X-RateLimit-Limit, X-RateLimit-Remaining | 2xx responses | These headers MUST be included in every 2xx response. |
| X-Served-By | Yes | The node that answered. |
| X-Debug | When asked | The header MUST NOT be included in production responses. |
| X-Trace | All responses | Tracing, as appropriate. |
| Preference-Applied | When specified in request | It MUST say whether the preference was applied. |
| Content-Type | All responses | The media type MUST be given. |

## Request headers

| Header | Type | Description |
| --- | --- | --- |
| X-Api-Key | String | It MUST be sent with every request. |
| X-Client | String | The client MUST send it in all requests, and responses MUST echo nothing. |

## Other headers

| Name | Required | Description |
| --- | --- | --- |
| X-Region | yes | The region of the response. It MUST be present in every response. |
"""


def test_a_table_row_that_names_a_header_and_says_it_is_in_responses_draws_it(tmp_path):
    """A row of a table whose first column is header names: its first cell names the headers, and where a cell (a
    "Required" column saying "All responses") or a sentence of the row says the header is in every response, or the
    row is marked required in a table of response headers, it draws headers.required with them."""
    data, rules = derived(tmp_path, HEADER_TABLES)
    drawn = {r: rules[r] for r in rules if r.startswith("headers.")}
    assert drawn["headers.x-request-id"]["check"] == "headers.required"
    assert drawn["headers.x-request-id"]["params"] == {"headers": ["X-Request-Id"]}
    assert drawn["headers.x-request-id"]["trigger"] == "X-Request-Id, All responses"
    assert drawn["headers.x-request-id"]["source"]["quote"].startswith("X-Request-Id | All responses |")
    # a cell of names gives each its rule, with the responses the row limits itself to
    assert drawn["headers.x-ratelimit-limit"]["params"] == {"headers": ["X-RateLimit-Limit"], "statuses": ["2xx"]}
    assert drawn["headers.x-ratelimit-remaining"]["params"] == {"headers": ["X-RateLimit-Remaining"],
                                                                "statuses": ["2xx"]}
    assert drawn["headers.x-served-by"]["severity"] == "must"  # marked required in a table of response headers
    assert drawn["headers.x-served-by"]["trigger"] == "X-Served-By, marked required in a table of response headers"
    assert drawn["headers.x-region"]["params"] == {"headers": ["X-Region"]}  # "Name" in a section about headers
    # denied, only sometimes, not binding, judged by another rule, or a request header: none
    assert set(drawn) == {"headers.x-request-id", "headers.x-ratelimit-limit", "headers.x-ratelimit-remaining",
                          "headers.x-served-by", "headers.x-region"}, sorted(drawn)
    checked = {n["quote"].split(" | ")[0]: n["rules"] for n in data["normative"]}
    assert checked["X-Request-Id"] == ["headers.x-request-id"] and checked["X-Served-By"] == ["headers.x-served-by"]
    assert not checked["X-Debug"] and not checked["X-Api-Key"]  # listed unchecked, with a reason
