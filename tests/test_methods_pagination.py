"""The stateful methods rules, pagination and the rate-limit probe: a conforming demo passes each rule
(passed, not skipped), a demo that breaks only that rule fails it (and nothing else), with the
violation's message asserted. Then unit tests of the pagination helpers, without a server."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from conformance import bodies, sequences
from conformance.run import load_catalog
from conformance.resources import created_id
from conformance.rules.pagination import (DEFAULT_FIELDS, arithmetic_problems, duplicate_problems, field_problems,
                                          item_key, link_problems, page_of, without_query)

RATE_LIMIT = 10  # the demo's requests per second: the probe's burst goes past it however slow the machine
PROBE = ["--conformance-rate-limit-probe=120", "--conformance-retry-after-cap=0.05"]  # other 429s: retried quickly

# profile, rule id, a piece of the message the violation must carry
CASES = [
    ("basic-crud", "methods.put-replaces", "PUT without 'description' kept it: GET after the PUT shows description="),
    ("basic-crud", "methods.patch-partial", "changed 'description' from 'Conformance' to None; expected it unchanged"),
    ("basic-crud", "methods.delete-removes", "After DELETE answered 204, GET of the same resource answered 200; "
                                             "expected 404"),
    ("connectnow", "methods.create-status", "POST with a valid body answered 200; expected 201"),
    ("connectnow", "methods.put-replaces", "PUT without 'description' kept it: GET after the PUT shows description="),
    ("connectnow", "pagination.fields", "page 1: the field 'to' is missing; expected integer or null"),
    ("connectnow", "pagination.page-arithmetic", "page 1: 'to' is 6; expected 5 (from 1 + 5 items - 1)"),
    ("connectnow", "pagination.links", "page 2: prev_page_url is"),
    ("connectnow", "pagination.no-duplicates", "page 2: id 5 was already listed on page 1"),
    ("connectnow", "rate-limit.retry-after", "A 429 without Retry-After or X-RateLimit-Reset"),
]
IDS = [f"{profile}:{rule}" for profile, rule, _ in CASES]


def _start(demo, profile, rule, faults=frozenset()):
    if rule.startswith("rate-limit"):
        return demo(profile, set(faults), rate_limit=RATE_LIMIT), PROBE
    return demo(profile, set(faults)), []


@pytest.mark.parametrize(("profile", "rule", "message"), CASES, ids=IDS)
def test_conforming_demo_passes(profile, rule, message, demo, run_conformance):
    api, extra = _start(demo, profile, rule)
    outcome = run_conformance(api, "-k", rule, *extra)
    assert outcome.status(rule) == "passed", (outcome.rule(rule), outcome.output())


@pytest.mark.parametrize(("profile", "rule", "message"), CASES, ids=IDS)
def test_the_fault_fails_the_rule(profile, rule, message, demo, run_conformance):
    api, extra = _start(demo, profile, rule, {rule})
    outcome = run_conformance(api, "-k", rule, *extra)
    # a rule only a value of the document's example supports is advisory: reported, not failing (ConnectNow's
    # example page is the structure of the paginated format: it binds)
    expected = "advisory" if load_catalog(profile).rule(rule).advisory else "failed"
    assert outcome.status(rule) == expected, (outcome.rule(rule), outcome.output())
    messages = outcome.messages(rule)
    assert any(message in m for m in messages), messages
    assert all(v.get("request") and v.get("curl") for v in outcome.rule(rule)["violations"])  # evidence


@pytest.mark.parametrize(("profile", "rule", "message"), [c for c in CASES if not c[1].startswith("rate-limit")],
                         ids=[i for (_, rule, _), i in zip(CASES, IDS) if not rule.startswith("rate-limit")])
def test_the_fault_fails_no_other_rule(profile, rule, message, demo, run_conformance):
    outcome = run_conformance(demo(profile, {rule}), examples=2)
    example = load_catalog(profile).rule(rule).advisory
    assert outcome.failed == (set() if example else {rule}), outcome.output()
    assert {r["id"] for r in outcome.report["rules"] if r["status"] == "advisory"} == ({rule} if example else set())


def test_every_resource_the_sequences_create_is_deleted(demo, run_conformance):
    api = demo("basic-crud")
    outcome = run_conformance(api, "-k", "methods")
    assert {outcome.status(r) for r in ("methods.put-replaces", "methods.patch-partial",
                                        "methods.delete-removes")} == {"passed"}
    created = [item for item in api.items.values() if item["name"].startswith("Conformance")]
    assert created == []


def test_read_only_skips_the_sequences(demo, run_conformance):
    api = demo("basic-crud")
    outcome = run_conformance(api, "-k", "methods", "--conformance-read-only")
    for rule in ("methods.put-replaces", "methods.patch-partial", "methods.delete-removes"):
        assert outcome.status(rule) == "skipped"
        assert "--conformance-read-only is on" in outcome.rule(rule)["reason"]
    assert not any(method in ("POST", "PUT", "PATCH", "DELETE") for method, _ in api.requests)


def test_the_rate_limit_probe_is_opt_in(demo, run_conformance):
    outcome = run_conformance(demo("connectnow", rate_limit=1000), "-k", "rate-limit")
    assert outcome.status("rate-limit.retry-after") == "skipped"


# ConnectNow's document does not say what a page past the last answers, so the check is not in its catalog;
# a team whose own guide says so adds it.
PAST_LAST_PAGE = ("profile: mine\ntitle: mine\nextends: connectnow\nrules:\n"
                  "  - {id: pagination.past-last-page, category: pagination, severity: should,\n"
                  "     title: 'A page past the last is empty, not an error',\n"
                  "     source: {document: our-api-guide.md, section: Paging}}\n")


@pytest.mark.parametrize("faulty", [False, True])
def test_past_last_page_is_a_check_a_catalog_can_add(faulty, demo, run_conformance, pytester):
    assert "pagination.past-last-page" not in [r.id for r in load_catalog("connectnow").rules]
    catalog = pytester.path / "mine.yaml"
    catalog.write_text(PAST_LAST_PAGE)
    api = demo("connectnow", {"pagination.past-last-page"} if faulty else set())
    outcome = run_conformance(api, "-k", "pagination", profile=str(catalog))
    if faulty:
        assert outcome.failed == {"pagination.past-last-page"}, outcome.output()
        assert any("past the last page, 3) answered 404; expected 200 with empty data" in m
                   for m in outcome.messages("pagination.past-last-page"))
    else:
        assert outcome.status("pagination.past-last-page") == "passed", outcome.output()


def test_a_walk_that_stops_early_says_so(demo, run_conformance, monkeypatch, pytester):
    monkeypatch.setattr(sequences, "MAX_PAGES", 2)
    catalog = pytester.path / "mine.yaml"
    catalog.write_text(PAST_LAST_PAGE)
    outcome = run_conformance(demo("connectnow"), "-k", "pagination", profile=str(catalog))
    assert outcome.status("pagination.past-last-page") == "skipped"
    assert "stopped early, after 2 pages" in outcome.rule("pagination.past-last-page")["reason"]
    assert outcome.status("pagination.fields") == "passed"


def test_page_param_and_fields_are_rule_params(demo, run_conformance, pytester):
    catalog = pytester.path / "mine.yaml"
    catalog.write_text("profile: mine\ntitle: mine\nextends: connectnow\nrules:\n"
                       "  - {id: pagination.fields, params: {fields: {total: integer, data: [array]}}}\n"
                       "  - {id: pagination.links, params: {page_param: p}}\n")
    outcome = run_conformance(demo("connectnow"), "-k", "pagination", profile=str(catalog))
    # new params, the same basis: the structure of the document's example page, which binds
    assert outcome.status("pagination.fields") == "failed"
    assert "page 1: the field 'total' is missing; expected integer" in outcome.messages("pagination.fields")
    links = outcome.rule("pagination.links")
    assert links["status"] == "skipped"
    assert links["operations"]["GET /api/users"]["status"] == "not-applicable"
    assert "no 'p' query parameter" in links["operations"]["GET /api/users"]["reason"]
    assert outcome.status("pagination.page-arithmetic") == "passed"


def test_put_replaces_skips_without_an_optional_field(demo, run_conformance, pytester):
    import json

    api = demo("basic-crud")
    spec = json.loads(json.dumps(api.spec))
    for path in spec["paths"].values():
        for operation in path.values():
            schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema:
                schema["properties"].pop("description")
    (pytester.path / "spec.json").write_text(json.dumps(spec))
    outcome = run_conformance(api, "-k", "put-replaces", f"--conformance-spec={pytester.path / 'spec.json'}")
    assert outcome.status("methods.put-replaces") == "skipped"
    assert "has no optional field to leave out of the PUT" in outcome.rule("methods.put-replaces")["reason"]


# -- the helpers, without a server ------------------------------------------------------------------
BASE = "https://api.example.org/api/models"


def page(number, items, per_page=3, last=3, base=BASE):
    start = (number - 1) * per_page + 1
    return {"current_page": number, "data": items, "first_page_url": f"{base}?page=1",
            "from": start if items else None, "next_page_url": f"{base}?page={number + 1}" if number < last else None,
            "path": base, "per_page": per_page, "prev_page_url": f"{base}?page={number - 1}" if number > 1 else None,
            "to": start + len(items) - 1 if items else None}


@pytest.mark.parametrize(("url", "expected"), [
    (f"{BASE}?page=2", 2), (f"{BASE}?per_page=5&page=10", 10), (f"{BASE}?page=", None), (f"{BASE}?page=x", None),
    (f"{BASE}?page=-1", None), (BASE, None), (None, None), (12, None), ("http://[::1", None), (f"{BASE}?page=%31", 1),
])
def test_page_of(url, expected):
    assert page_of(url) == expected


def test_page_of_another_parameter_name():
    assert page_of(f"{BASE}?p=4&page=1", "p") == 4


def test_without_query():
    assert without_query(f"{BASE}?page=2#x") == BASE
    assert without_query(None) is None


def test_a_good_page_has_no_problem():
    body = page(2, [{"id": 4}, {"id": 5}, {"id": 6}])
    assert field_problems(body, 2) == []
    assert arithmetic_problems(body, 2) == []
    assert link_problems(body, 2, f"{BASE}?page=2", next_is_empty=False) == []


def test_field_problems_name_the_field_and_types():
    body = page(1, [{"id": 1}])
    del body["path"]
    body["per_page"] = "3"
    body["from"] = True
    problems = field_problems(body, 1)
    assert "page 1: the field 'path' is missing; expected string" in problems
    assert "page 1: 'per_page' is string (\"3\"); expected integer" in problems
    assert "page 1: 'from' is boolean (true); expected integer or null" in problems
    assert field_problems([], 1) == ["page 1: the body is array, not an object with the pagination fields"]
    assert field_problems({"n": 1}, 1, {"n": "number"}) == []


def test_arithmetic_problems():
    body = page(3, [{"id": 7}, {"id": 8}])
    assert arithmetic_problems({**body, "current_page": 2}, 3) == \
        ["page 3: current_page is 2; expected 3 (the page asked for)"]
    assert arithmetic_problems({**body, "to": 9}, 3) == ["page 3: 'to' is 9; expected 8 (from 7 + 2 items - 1)"]
    assert arithmetic_problems({**body, "from": 1, "to": 2}, 3) == \
        ["page 3: 'from' is 1; expected 7 ((page 3 - 1) x per_page 3 + 1)", "page 3: 'to' is 2; expected 8 (2 items "
         "after 6)"]
    assert arithmetic_problems({**body, "per_page": 1}, 3)[0] == "page 3: data holds 2 items but per_page is 1"
    empty = page(4, [], last=3)
    assert arithmetic_problems(empty, 4) == []
    assert arithmetic_problems({**empty, "from": 10, "to": 9}, 4) == [
        "page 4: 'from' is 10 on an empty page; expected null", "page 4: 'to' is 9 on an empty page; expected null"]


def test_link_problems():
    url = f"{BASE}?page=2"
    body = page(2, [{"id": 4}])
    assert link_problems({**body, "prev_page_url": f"{BASE}?page=2"}, 2, url) == [
        f"page 2: prev_page_url is \"{BASE}?page=2\", which points at page 2; expected page 1"]
    assert link_problems({**body, "prev_page_url": None}, 2, url) == [
        "page 2: prev_page_url is null; expected a link to page 1"]
    assert link_problems({**page(1, [{"id": 1}]), "prev_page_url": f"{BASE}?page=0"}, 1, f"{BASE}?page=1") == [
        f"page 1: prev_page_url is \"{BASE}?page=0\"; expected null on the first page"]
    assert link_problems({**body, "first_page_url": BASE}, 2, url) == [
        f"page 2: first_page_url is \"{BASE}\", which points at no 'page' parameter; expected page 1"]
    assert link_problems({**body, "path": url}, 2, url)[0].startswith("page 2: path is")
    assert "expected the URL without its query (ending in /api/other)" in \
        link_problems(body, 2, "http://127.0.0.1/api/other?page=2")[0]
    # next_page_url is null exactly on the last page
    last = page(3, [{"id": 7}])
    assert link_problems(last, 3, f"{BASE}?page=3", next_is_empty=True) == []
    assert link_problems({**last, "next_page_url": f"{BASE}?page=4"}, 3, f"{BASE}?page=3", next_is_empty=True) == [
        f"page 3: next_page_url is \"{BASE}?page=4\", but page 3 is the last page (page 4 is empty); expected null"]
    assert link_problems(page(2, [{"id": 4}], last=2), 2, url, next_is_empty=False) == [
        "page 2: next_page_url is null, but page 3 has items; expected a link to page 3 (null only on the last page)"]
    assert link_problems({**body, "next_page_url": f"{BASE}?page=5"}, 2, url)[0].endswith(
        "which points at page 5; expected page 3")
    assert link_problems({**body, "next_page_url": "https://other.example/x?page=3"}, 2, url)[0].endswith(
        f"expected it to start with path \"{BASE}\"")


def test_duplicates():
    assert duplicate_problems([(1, [{"id": 1}, {"id": 2}]), (2, [{"id": 2}, {"id": 3}])]) == [
        (2, "page 2: id 2 was already listed on page 1")]
    assert duplicate_problems([(1, ["a", "a"])]) == [(1, 'page 1: item "a" was already listed earlier on the same page')]
    assert duplicate_problems([(1, [{"name": "x"}]), (2, [{"name": "y"}])]) == []
    assert item_key({"id": None, "n": 1}) == 'item {"id": null, "n": 1}'


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
PAGE_FIELDS = st.fixed_dictionaries({}, optional={name: JSON | st.text(max_size=40).map(lambda t: BASE + "?page=" + t)
                                                  for name in DEFAULT_FIELDS})
ANY_BODY = JSON | PAGE_FIELDS
ANY_PAGE = st.integers(min_value=-3, max_value=10**12) | JSON


@settings(max_examples=300, deadline=None)
@given(body=ANY_BODY, number=ANY_PAGE, url=JSON | st.text(max_size=60), name=st.text(min_size=1, max_size=5),
       next_is_empty=st.sampled_from([None, True, False]), past=st.booleans(), fields=JSON)
def test_the_helpers_never_raise(body, number, url, name, next_is_empty, past, fields):
    for result in (field_problems(body, number), field_problems(body, number, fields), arithmetic_problems(body, number),
                   link_problems(body, number, url, name, next_is_empty=next_is_empty, past_last=past)):
        assert all(isinstance(p, str) and p for p in result)
    page_of(url, name)
    without_query(url)
    duplicate_problems([(number, body), (number, body)])


def test_created_id_reads_the_body_the_envelope_or_location():
    from conformance.models import Exchange, Request, Response

    def created(body, headers=None):
        return Exchange("crud", Request("POST", "http://x/api/items"),
                        Response(201, {k.lower(): [v] for k, v in (headers or {}).items()}, body))

    assert created_id(created(b'{"id": 7}'), ["id"]) == {"id": 7}
    assert created_id(created(b'{"data": {"id": "a1"}}'), ["id"]) == {"id": "a1"}
    assert created_id(created(b'{"uid": 3}'), ["uid"]) == {"uid": 3}
    assert created_id(created(b"", {"Location": "/api/items/42"}), ["id"]) == {"id": "42"}
    assert created_id(created(b"not json"), ["id"]) == {}
    # a key the client chose, not echoed in the answer; two parameters from one created item
    assert created_id(created(b"{}"), ["key"], {"key": "dark-mode", "name": "x"}) == {"key": "dark-mode"}
    assert created_id(created(b'{"ip": "192.0.2.1", "nameserver": "ns1"}'), ["ip", "nameserver"]) == \
        {"ip": "192.0.2.1", "nameserver": "ns1"}


def test_candidates_fit_the_property_schema():
    name = {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[A-Za-z0-9 ]+$"}
    assert bodies.candidates("name", name, [])[0] == "Conformance"
    assert bodies.candidates("n", {"type": "string", "maxLength": 1}, []) == ["c"]
    assert bodies.candidates("e", {"type": "string", "format": "email"}, [{"e": "a@b.example"}]) == ["a@b.example"]
    assert bodies.candidates("k", {"type": "string", "enum": ["x", "y"]}, []) == ["x", "y"]
    assert bodies.valid_for(None, {"type": "string", "nullable": True})
    assert not bodies.valid_for(None, {"type": "string"})
    assert [bodies.is_volatile(n) for n in ("created_at", "lastModified", "updated", "name")] == [True, True, True, False]
