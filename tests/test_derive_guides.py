"""conformance derive on public API guidelines nobody on the team wrote (tests/data/guides, see its README for the
sources and licenses): Heroku's HTTP API Design Guide, a style guide in imperatives, and excerpts of the Microsoft
REST API Guidelines, an RFC 2119 document with tables. For each: how many normative sentences it finds, rules drawn
with their params and citations, promises it must not turn into rules, a reason for every unchecked one; the same
document gives the same catalog, without the network; the catalog loads and runs against a bundled demo with no
tool error."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
import yaml

from conformance.derive import derive

GUIDES = Path(__file__).resolve().parent / "data" / "guides"
HEROKU = GUIDES / "heroku-http-api-design.md"
HEROKU_README = GUIDES / "heroku-http-api-design-readme.md"  # the guide's earlier one-page edition
MICROSOFT = GUIDES / "microsoft-rest-api-guidelines.md"
KINDS = {"no-check", "not-observable", "client", "ambiguous"}

# guide, normative sentences (headings included), of them checked, rules drawn, unchecked by kind
MEASURED = [
    (HEROKU, 98, 29, 16, {"no-check": 37, "not-observable": 26, "ambiguous": 6}),
    (MICROSOFT, 88, 18, 9, {"no-check": 46, "ambiguous": 16, "client": 6, "not-observable": 2}),
    (HEROKU_README, 81, 19, 10, {"no-check": 35, "not-observable": 22, "ambiguous": 5}),
]
IDS = ["heroku", "microsoft", "heroku-readme"]


def letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def derived(path: Path) -> dict:
    return derive([path])[0]


def rules(data: dict) -> dict:
    return {r["id"]: r for r in data["rules"]}


def normative(data: dict) -> dict:
    return {n["quote"]: n for n in data["normative"]}


@pytest.mark.parametrize("guide, sentences, checked, drawn, kinds", MEASURED, ids=IDS)
def test_each_guide_is_measured(guide, sentences, checked, drawn, kinds):
    data = derived(guide)
    assert len(data["normative"]) == sentences
    assert sum(1 for n in data["normative"] if n["rules"]) == checked
    assert len(data["rules"]) == drawn
    found: dict[str, int] = {}
    for entry in data["unobservable"]:
        found[entry["kind"]] = found.get(entry["kind"], 0) + 1
    assert found == kinds
    # every unchecked normative sentence is listed once with its quote and a reason, and nothing else is
    unchecked = [n["quote"] for n in data["normative"] if not n["rules"]]
    assert [u["promise"] for u in data["unobservable"]] == unchecked
    assert all(u["kind"] in KINDS and u["why"] for u in data["unobservable"])
    # every rule and every normative sentence quotes the document word for word (its markup left aside), and every
    # rule says its section and which words drew it
    text = letters(re.sub(r"\]\([^)]*\)|\]\[[^\]]*\]|<[^>]+>", "", guide.read_text(encoding="utf-8")))
    for rule in data["rules"]:
        assert rule["source"]["document"] == guide.name and rule["source"]["section"] and rule["trigger"]
        assert letters(rule["source"]["quote"]) in text, rule["source"]["quote"]
    assert all(letters(n["quote"]) in text for n in data["normative"])


def test_heroku_its_imperatives_and_headings_bind():
    found = normative(derived(HEROKU))
    # a style guide in imperatives: its headings and its imperative sentences are normative
    assert found["Require Secure Connections"]["trigger"] == 'an imperative "Require"'
    assert found["Use consistent path formats"]["severity"] == "must"
    assert found["Require secure connections with TLS to access the API, without exception."]["severity"] == "must"
    # advice binds as a should
    assert found["Prefer endpoint configurations that don’t require special actions."]["severity"] == "should"
    assert found["Use UUIDs unless you have a very good reason not to."]["severity"] == "should"
    assert found["It is best to keep JSON responses minified e.g.:"]["severity"] == "should"
    # a list a sentence leads in binds as the lead-in does; a status list is a table of statuses
    assert found["Successful responses should be coded according to this guide:"]["severity"] == "should"
    assert found["201: Request succeeded for a POST used for creation or PUT callcall that completed synchronously, "
                 "or for a PUT call that synchronously created a new resource"]["severity"] == "should"
    assert found["Error serialization format."]["trigger"] == 'the list it continues: an imperative "provide"'
    # a heading is checked by the rules its section drew
    assert found["Generate structured errors"]["rules"] == ["errors.envelope-example"]


def test_heroku_rules_and_params():
    data = derived(HEROKU)
    drawn = rules(data)
    assert drawn["headers.request-id"]["check"] == "headers.required"
    assert drawn["headers.request-id"]["params"] == {"headers": ["Request-Id"]}
    assert drawn["headers.ratelimit-remaining"]["params"] == {"headers": ["RateLimit-Remaining"]}
    assert drawn["naming.lower-case-paths"]["params"] == {"separator": "-"}
    assert drawn["naming.lower-case-attributes"]["params"] == {"separator": "_"}
    assert drawn["naming.plural-resources"]["params"] == {"ignore_segments": ["status"], "singletons": True}
    assert drawn["auth.missing-credentials"]["params"] == {"status": 401}
    assert drawn["auth.missing-credentials"]["source"]["quote"] == ("401 Unauthorized: Request failed because user is "
                                                                    "not authenticated")
    assert drawn["errors.invalid-input"]["params"] == {"status": 422}
    assert drawn["methods.create-status"]["params"] == {"status": 201}
    assert drawn["methods.create-status"]["severity"] == "should"
    assert drawn["content-type.minified-json"]["severity"] == "should"
    assert drawn["pagination.range"]["source"]["section"] == "Divide Large Responses Across Requests with Ranges"
    # UTC in one sentence, ISO 8601 in the next: one rule, both sentences checked by it
    assert drawn["dates.iso8601-utc"]["source"]["quote"] == "Accept and return times in UTC only."
    assert normative(data)["Render times in ISO8601 format, e.g.:"]["rules"] == ["dates.iso8601-utc"]
    envelope = drawn["errors.envelope-example"]
    assert envelope["basis"] == "example-structure" and envelope["params"]["schema"]["required"] == ["id", "message"]
    # the versioned Accept the document asks of clients, from its example (and the catalog says so)
    assert data["request_headers"] == {"Accept": "application/vnd.heroku+json; version=3"}
    assert "only the document's example gives this value" in derive([HEROKU])[1]


def test_heroku_draws_nothing_from_what_promises_nothing():
    data = derived(HEROKU)
    found = normative(data)
    quotes = {r["source"]["quote"] for r in data["rules"]}
    for sentence in ("This creates symmetry with JSON-serialized response bodies, e.g.:",
                     "Note: some JSON parsers will return numbers with a precision of over 15 decimal places as strings.",
                     "If you use prmd to generate Markdown docs, you will get examples for each endpoint for free.",
                     "You may consider optionally providing a way for clients to retrieve more verbose response, either "
                     "via a query parameter (e.g. ?pretty=true) or via an Accept header param (e.g. Accept: "
                     "application/vnd.heroku+json; version=3; indent=4;).",
                     "We’re looking for a good, consistent, well-documented way to design APIs, not necessarily the "
                     "only/ideal way.",
                     "Clients that rely on redirects double up on server traffic and render TLS useless since sensitive "
                     "data will already have been exposed during the first call."):
        assert sentence not in found and sentence not in quotes, sentence
    # JSON responses are the guide's premise, but no sentence promises their media type: no rule says it
    assert "content-type.json-response" not in rules(data)
    # accepting JSON bodies is no promise to refuse other bodies
    assert "content-type.json-request" not in rules(data)
    # the TLS, documentation and versioning promises are listed as not observable, not guessed at
    why = {u["promise"]: u["kind"] for u in data["unobservable"]}
    assert why["Just require TLS for everything."] == "not-observable"
    assert why["In environments where this is not possible, respond with 403 Forbidden."] == "not-observable"
    assert why["Provide human-readable documentation that client developers can use to understand your API."] == \
        "not-observable"
    assert why["Do not accept only names to the exclusion of IDs."] == "no-check"  # addressed to the API, not a client
    # asking to document the error format is no error format: the envelope rule does not check it
    assert why["Document your error format and the possible error ids that clients may encounter."] == "not-observable"
    assert why["Return appropriate HTTP status codes with each response."] == "ambiguous"


def test_heroku_readme_its_contents_and_its_pretty_print():
    """The earlier edition: a table of contents of links, "Require TLS", and pretty-printed JSON where the later
    edition keeps JSON minified."""
    data = derived(HEROKU_README)
    found = normative(data)
    # a list of links is a table of contents: no sentence, no rule (its entries are the headings below)
    assert all(n["section"] != "Contents" for n in data["normative"])
    assert all(r["source"]["section"] != "Contents" for r in data["rules"])
    assert found["Require TLS"]["trigger"] == 'an imperative "Require"'
    assert {u["promise"]: u["kind"] for u in data["unobservable"]}["Require TLS"] == "not-observable"
    # pretty-printing promises the opposite of minified JSON, and no check knows it
    assert "content-type.minified-json" not in rules(data)
    assert not found["For the convenience of these developers, pretty-print JSON responses, e.g.:"]["rules"]
    assert "If both the server and client log these values, it will be helpful for tracing and debugging requests." \
        not in found
    drawn = rules(data)
    assert drawn["conditional.etag"]["source"]["section"] == "Support caching with Etags"
    assert "params" not in drawn["conditional.etag"]  # the section speaks of If-None-Match: revalidation is checked
    assert drawn["pagination.range"]["source"]["quote"] == "Use Content-Range headers to convey pagination requests."
    # its example names no path; the singletons it excuses are told apart by the spec (no item below, no list)
    assert drawn["naming.plural-resources"]["params"] == {"singletons": True}
    assert data["request_headers"] == {"Accept": "application/vnd.heroku+json; version=3"}


def test_microsoft_rules_and_params():
    data = derived(MICROSOFT)
    drawn = rules(data)
    # a table without the outer pipes is a table: the rows of its methods draw their rules
    assert drawn["methods.put-replaces"]["source"]["quote"] == ("PUT | Replace an object, or create a named object, "
                                                               "when applicable | True")
    assert drawn["methods.patch-partial"]["applies_to"] == {"methods": ["PATCH"]}
    assert drawn["methods.delete-removes"]["source"]["section"] == "7.4. Supported methods"
    assert drawn["content-type.json-response"]["params"] == {"media_types": ["application/json"]}
    assert data["request_headers"] == {"Accept": "application/json"}
    assert drawn["cors.preflight"]["source"]["quote"] == ("Services compliant with the Microsoft REST API Guidelines "
                                                          "MUST support CORS (Cross Origin Resource Sharing).")
    # a row of the table of response headers that says its header is in every response: its first cell names it
    assert drawn["headers.date"]["check"] == "headers.required" and drawn["headers.date"]["params"] == {
        "headers": ["Date"]}
    assert drawn["headers.date"]["source"]["section"] == "7.6. Standard response headers"
    assert drawn["headers.date"]["source"]["quote"].startswith("Date | All responses | Timestamp the response")
    assert drawn["headers.date"]["severity"] == "must"
    # the rows of request headers, and those a response carries only sometimes, draw none
    assert not {"headers.preference-applied", "headers.content-encoding", "headers.accept-language",
                "headers.if-match"} & set(drawn)
    found = normative(data)
    assert found["For preflight requests, beyond performing the steps below to add headers, services MUST perform no "
                 "additional processing and MUST return a 200 OK."]["rules"] == ["cors.preflight"]
    # "if they do they MUST use replacement semantics": checked by the rule the PUT row drew
    upsert = next(q for q in found if q.startswith("Services MAY optionally support PUT"))
    assert found[upsert]["rules"] == ["methods.put-replaces"]
    # a list led in by "services MUST:" binds its items; a table row marked required binds
    assert found["Add an Access-Control-Allow-Methods response header containing the list of HTTP methods the caller "
                 "is permitted to use."]["trigger"] == 'the list it continues: "MUST"'
    assert found["message | String | ✔ | A human-readable representation of the error."]["severity"] == "must"
    # the error body the tables of its objects define, nested as they nest, the marked fields required
    schema = drawn["errors.envelope"]["params"]["schema"]
    assert schema["required"] == ["error"]
    error = schema["properties"]["error"]
    assert error["required"] == ["code", "message"]
    assert error["properties"]["details"]["type"] == "array" and error["properties"]["innererror"]["required"] == []
    assert found['This object MUST have a name/value pair named "error."']["rules"] == ["errors.envelope"]
    assert found["message | String | ✔ | A human-readable representation of the error."]["rules"] == ["errors.envelope"]
    # what it says of a value's meaning is not its structure
    assert not found['The value for the "message" name/value pair MUST be a human-readable representation of the '
                     'error.']["rules"]


def test_microsoft_draws_nothing_from_what_promises_nothing():
    data = derived(MICROSOFT)
    found = normative(data)
    for sentence in ('The keywords "MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT", "SHOULD", "SHOULD NOT", '
                     '"RECOMMENDED", "MAY", and "OPTIONAL" in this document are to be interpreted as described in RFC '
                     '2119.',
                     "However, it is very generic and does not require specific OData constructs.",
                     "Note that this requires services to dynamically generate the header value.",
                     "Error responses MAY contain annotations in any of their JSON objects."):
        assert sentence not in found, sentence
    assert not any(q.startswith("Resources that do not require cookies") for q in found)  # a MAY
    drawn = rules(data)
    assert "cors.wildcard-without-origin" not in drawn  # the wildcard is only allowed (MAY)
    assert "auth.valid-credentials" not in drawn and "auth" not in data  # Access-Control-Allow-Credentials: no credential
    assert "content-type.utf8" not in drawn  # "Default is UTF-8" describes a request header
    assert "dates.iso8601-utc" not in drawn  # ISO 8601 is a should, and no sentence says UTC
    why = {u["promise"]: u["kind"] for u in data["unobservable"]}
    assert why["Clients MUST be resilient to collection data being either paged or nonpaged for any given request."] \
        == "client"
    assert why["JSON property names SHOULD be camelCased."] == "no-check"


@pytest.mark.parametrize("guide", [HEROKU, MICROSOFT, HEROKU_README], ids=IDS)
def test_derive_is_deterministic_and_offline(guide, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("derive touched the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    first, second = derive([guide])[1], derive([guide])[1]
    assert first == second
    assert yaml.safe_load(first)["normative"]


# How each demo takes its credential: none of the guides says (the derived catalog says to add an auth block)
CHANNELS = {"featbit": {"in": "header", "name": "Authorization", "format": "{token}"},
            "basic-crud": {"in": "header", "name": "Authorization", "format": "Basic {basic}"},
            "connectnow": {"in": "header", "name": "Authorization", "format": "Bearer {token}"}}


@pytest.mark.parametrize("guide, demo_profile", [(HEROKU, "featbit"), (MICROSOFT, "basic-crud"),
                                                 (HEROKU_README, "connectnow")], ids=IDS)
def test_the_derived_catalog_loads_and_runs_with_no_tool_error(guide, demo_profile, demo, run_conformance, tmp_path):
    catalog = tmp_path / f"{guide.stem}.yaml"
    text = derive([guide])[1]
    catalog.write_text(text, encoding="utf-8")
    assert "the document does not say how a credential travels" in text
    # as a user would: the derived catalog as it is, extended by how the API takes a credential
    user = tmp_path / "ours.yaml"
    user.write_text(yaml.safe_dump({"profile": "ours", "title": "Ours", "extends": str(catalog), "auth": {
        "scheme": "basic" if demo_profile == "basic-crud" else "token", "channels": [CHANNELS[demo_profile]]}}))
    html = tmp_path / "report.html"
    outcome = run_conformance(demo(demo_profile), f"--conformance-html={html}", profile=str(user), examples=2)
    output = outcome.output()
    assert outcome.ret in (0, 1), output
    assert outcome.report["summary"]["reach"]["reached"] > 0, output
    assert "INTERNALERROR" not in output and "Traceback" not in output
    assert not outcome.report["summary"].get("errors"), outcome.report["summary"].get("errors")
    statuses = {r["id"]: r["status"] for r in outcome.report["rules"]}
    assert set(rules(derived(guide))) <= set(statuses)
    assert outcome.report["coverage"]["sentences"] == len(derived(guide)["normative"])
    assert 'id="coverage"' in html.read_text(encoding="utf-8")


GUIDE_HTML = """<!doctype html><html><head><title>Acme API guide</title></head><body>
<h1>Acme API guide</h1>
<ul><li><a href="#tls">Require TLS</a></li><li><a href="#ids">Provide request ids</a></li></ul>
<h2 id="tls">Require TLS <a class="anchor" href="#tls">¶</a></h2>
<p>Require TLS to access the API, without exception.</p>
<h2 id="ids">Provide request ids</h2>
<p>Include a <code>X-Request-Id</code> header in each API response.</p>
<h2 id="codes">Return appropriate status codes</h2>
<p>Pay attention to the use of authentication error codes:</p>
<ul>
<li><code>401 Unauthorized</code>: Request failed because user is not authenticated</li>
<li><p><code>404 Not Found</code>: the resource does not exist</p></li>
</ul>
<p>At minimum, services MUST:</p>
<ul><li>Understand the Origin header.<ul><li>Echo it back.</li></ul></li></ul>
</body></html>"""


def test_a_guide_published_as_html_reads_as_its_markdown_does(tmp_path):
    """Lists stay lists (their lead-ins bind them, a list of statuses is a table of statuses), links stay links (a
    table of contents is no sentence), a heading's permalink is no part of it."""
    path = tmp_path / "guide.html"
    path.write_text(GUIDE_HTML, encoding="utf-8")
    data = derived(path)
    found = normative(data)
    assert "Require TLS" in found and found["Require TLS"]["trigger"] == 'an imperative "Require"'
    assert [n["quote"] for n in data["normative"]].count("Require TLS") == 1  # the heading, not the contents' link
    drawn = rules(data)
    assert drawn["headers.x-request-id"]["params"] == {"headers": ["X-Request-Id"]}
    assert drawn["auth.missing-credentials"]["params"] == {"status": 401}
    assert drawn["errors.not-found"]["source"]["quote"] == "404 Not Found: the resource does not exist"
    assert found["Echo it back."]["trigger"] == 'the list it continues: "MUST"'
