"""Catalogs: every built-in profile loads and cites its document; a user's catalog extends a profile and
overrides it as data; a malformed catalog is one sentence naming the rule and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conformance.catalog import BASE_PROFILE, BUILTIN_PROFILES, CATEGORIES, PROFILE_NAMES
from conformance.run import load_catalog
from conformance.errors import CatalogError

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

ACME = """
profile: acme
title: ACME
extends: featbit
rules:
  - id: cors.vary-origin
    severity: must
  - id: auth.unsupported-channel
    enabled: false
  - id: errors.envelope
    overrides:
      - match: {paths: ["/api/v1/projects/*"], methods: [DELETE]}
        enabled: false
        reason: the gateway answers deletes
  - id: auth.missing-credentials
    overrides:
      - match: {operations: ["POST /api/v1/projects"]}
        params: {status: 428}
  - id: errors.legacy-envelope
    check: errors.envelope
    category: errors
    title: Legacy errors
    severity: should
    source: {document: acme.md, section: Legacy}
    applies_to: {paths: ["/legacy/*"]}
    params: {schema: {type: object, required: [error]}}
"""


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_builtin_profiles_load_and_cite_their_documents(profile):
    catalog = load_catalog(profile)
    documents = {d["file"]: d for d in catalog.documents}
    assert catalog.rules and (catalog.unobservable or profile == BASE_PROFILE)
    for rule in catalog.rules:
        assert rule.category in CATEGORIES and rule.id.startswith(rule.category + ".")
        assert rule.source["document"] in documents and rule.source["section"]
        if "url" in documents[rule.source["document"]]:  # a public standard (RFC 9110, OpenAPI): quoted exactly
            assert rule.source.get("quote"), rule.id
        elif SEEDS.exists():
            text = (SEEDS / rule.source["document"]).read_text()
            assert rule.source["section"].split(" ")[0].lower() in text.lower(), (rule.id, rule.source)


def test_every_builtin_profile_extends_the_http_base_catalog():
    base = load_catalog(BASE_PROFILE)
    assert [d["file"] for d in base.documents] == ["RFC 9110 HTTP Semantics", "OpenAPI Specification 3.0.3"]
    rfc = [r for r in base.rules if r.source["document"] == "RFC 9110 HTTP Semantics"]
    assert {r.source["section"].split(" ")[0] for r in rfc} == {"15.5.1", "15.5.2", "15.5.4", "15.5.6", "9.3.2", "9.3.4"}
    for profile in BUILTIN_PROFILES:
        catalog = load_catalog(profile)
        ids = {r.id for r in catalog.rules}
        assert {r.id for r in base.rules} <= ids, profile
        files = [d["file"] for d in catalog.documents]
        assert files[-2:] == ["RFC 9110 HTTP Semantics", "OpenAPI Specification 3.0.3"]  # its own come first
    # A profile's stricter rule replaces the base rule of the same id: one rule, so one violation per fact.
    challenge = load_catalog("basic-crud").rule("auth.challenge")
    assert challenge.params == {"scheme": "Basic"} and challenge.source["document"] == "003_98c713de25e504b1.txt"
    assert [r.id for r in load_catalog("basic-crud").rules].count("auth.challenge") == 1
    assert base.rule("auth.challenge").params == {}


def test_base_rules_can_be_switched_off_like_any_other(tmp_path):
    path = tmp_path / "quiet.yaml"
    path.write_text(yaml.safe_dump({"profile": "quiet", "title": "Quiet", "extends": "featbit", "rules": [
        {"id": rule.id, "enabled": False} for rule in load_catalog(BASE_PROFILE).rules]}))
    catalog = load_catalog(str(path))
    assert not {r.id for r in load_catalog(BASE_PROFILE).rules} & {r.id for r in catalog.rules}
    assert len(catalog.rules) == len(load_catalog("featbit").rules) - len(load_catalog(BASE_PROFILE).rules)


def plain(text: str) -> str:
    """The words of a document or a quote: markup (code backticks, bold, table bars, HTML tags, link targets)
    and line breaks left aside."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [words](target) -> words
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[`*|]", "", text)
    return " ".join(text.split())


def test_plain_leaves_markup_aside():
    assert plain("| 403 | `FORBIDDEN` | You are not\n allowed |") == "403 FORBIDDEN You are not allowed"
    assert plain("as [JSON](https://json.org/), encoded in <b>UTF-8</b>.") == "as JSON, encoded in UTF-8 ."


@pytest.mark.skipif(not SEEDS.exists(), reason="the convention documents are not beside this checkout")
@pytest.mark.parametrize("profile", BUILTIN_PROFILES)
def test_every_quote_is_in_its_document(profile):
    """A quote shows the document's own words: it is found in the document it cites (whitespace and markup
    left aside), never a paraphrase or a gloss."""
    stored = {path.name for path in SEEDS.iterdir()}
    not_found = []
    for rule in load_catalog(profile).rules:
        quote, document = rule.source.get("quote"), rule.source["document"]
        if quote is None or document not in stored:
            continue  # a document that is not one of the seeds (an RFC of a base catalog) is cited by section
        if plain(quote) not in plain((SEEDS / document).read_text(encoding="utf-8")):
            not_found.append((rule.id, quote))
    assert not_found == []


# The line each built-in catalog draws between its document's sentences, the structure of an example that is the
# only definition of a format the document promises (binding), and an example's values (advisory). Every rule
# not listed rests on a sentence.
EXAMPLE_BASES = {
    "featbit": {"errors.envelope-example": "example-structure",  # "errors in a common format. Here's an example:"
                "cors.max-age": "example-value"},  # "Example CORS headers might look like: ... Max-Age: 300"
    "flextype": {},  # no example response in the document
    "basic-crud": {"errors.malformed-json": "example-value"},  # the one error example's 400 and code 10000
    "connectnow": {"pagination.fields": "example-structure", "pagination.page-arithmetic": "example-structure",
                   "pagination.links": "example-structure",  # the example page is the paginated format
                   "naming.item-under-collection": "example-value"},  # GET /api/users/1 illustrates "plural"
    BASE_PROFILE: {},
}


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_every_builtin_rule_states_its_basis(profile):
    """Drawn rule by rule: each rule of a built-in catalog says what in its document it rests on, in the
    current spelling (``basis``, never the older ``example``)."""
    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "conformance" / "catalog" / "profiles" /
                           f"{profile}.yaml").read_text(encoding="utf-8"))
    unstated = [rule["id"] for rule in data["rules"] if "basis" not in rule or "example" in rule]
    assert unstated == []
    bases = {rule.id: rule.basis for rule in load_catalog(profile).rules if rule.basis != "sentence"}
    assert bases == EXAMPLE_BASES[profile]


@pytest.mark.parametrize("profile", BUILTIN_PROFILES)
def test_rules_kept_from_an_example_say_so_and_only_values_are_advisory(profile):
    for rule in load_catalog(profile).rules:
        assert rule.advisory == rule.example == (rule.basis == "example-value"), rule.id
        if rule.basis == "example-value":  # an illustration: advice
            assert rule.severity == "should", rule.id
        if rule.basis == "sentence":
            assert "example" not in rule.title, rule.id
        else:
            assert "the document's example" in rule.title, rule.id


def test_basis_is_a_rule_field_and_example_true_is_its_older_spelling(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("profile: mine\ntitle: Mine\nextends: featbit\nrules:\n"
                    "  - {id: cors.max-age, params: {value: 600}}\n"
                    "  - {id: cors.vary-origin, example: true, severity: should}\n"
                    "  - {id: cors.origin-echo, basis: example-value}\n"
                    "  - {id: cors.preflight, basis: example-structure, example: false}\n"
                    "  - {id: errors.envelope-example, source: {document: ours.md, section: Errors}}\n"
                    "  - {id: errors.ours, check: errors.envelope, category: errors, title: T, severity: should,\n"
                    "     source: {document: ours.md, section: Errors}, params: {schema: {type: object}}}\n"
                    "  - {id: errors.theirs, check: errors.envelope, category: errors, title: T, severity: should,\n"
                    "     source: {document: ours.md, section: Errors}, example: true,\n"
                    "     params: {schema: {type: object}}}\n")
    catalog = load_catalog(str(path))
    basis = {rule.id: rule.basis for rule in catalog.rules}
    assert basis["cors.max-age"] == "example-value"  # new params, the same basis
    assert catalog.rule("cors.max-age").for_operation("GET", "/x").advisory  # overrides keep it
    assert basis["cors.vary-origin"] == "example-value" and catalog.rule("cors.vary-origin").example  # older spelling
    assert basis["cors.origin-echo"] == "example-value" and catalog.rule("cors.origin-echo").advisory
    assert basis["cors.preflight"] == "example-structure" and not catalog.rule("cors.preflight").advisory
    assert basis["errors.envelope-example"] == "sentence"  # a source of its own is a new basis
    assert basis["errors.ours"] == "sentence" and not catalog.rule("errors.ours").advisory
    assert basis["errors.theirs"] == "example-value"
    assert basis["errors.envelope"] == "sentence" and load_catalog("featbit").rule("errors.envelope-example").basis \
        == "example-structure"  # inherited as the base states it

    path.write_text("profile: mine\ntitle: Mine\nextends: featbit\nrules:\n  - {id: cors.max-age, example: yes-ish}\n")
    with pytest.raises(CatalogError, match="rule 'cors.max-age', field 'example': 'yes-ish' is not of type 'boolean'"):
        load_catalog(str(path))
    path.write_text("profile: mine\ntitle: Mine\nextends: featbit\nrules:\n  - {id: cors.max-age, basis: example}\n")
    with pytest.raises(CatalogError, match="rule 'cors.max-age', field 'basis': 'example' is not one of "
                                           r"\['sentence', 'example-structure', 'example-value'\]"):
        load_catalog(str(path))
    path.write_text("profile: mine\ntitle: Mine\nextends: featbit\nrules:\n"
                    "  - {id: cors.max-age, basis: example-structure, example: true}\n")
    with pytest.raises(CatalogError, match=re.escape(
            "rule 'cors.max-age': 'example: true' contradicts 'basis: example-structure'; write only "
            "'basis: example-structure' ('example' is its older spelling: 'example: true' is 'basis: example-value').")):
        load_catalog(str(path))


def test_extends_and_overrides(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(ACME)
    catalog = load_catalog(str(path))
    ids = [r.id for r in catalog.rules]
    assert "auth.unsupported-channel" not in ids and ids[-1] == "errors.legacy-envelope"
    assert catalog.rule("cors.vary-origin").severity == "must"
    assert catalog.auth == load_catalog("featbit").auth
    envelope = catalog.rule("errors.envelope")
    assert envelope.for_operation("DELETE", "/api/v1/projects/{id}") is None
    assert envelope.for_operation("GET", "/api/v1/projects/{id}") is not None
    missing = catalog.rule("auth.missing-credentials")
    assert missing.for_operation("POST", "/api/v1/projects").params["status"] == 428
    assert missing.for_operation("GET", "/api/v1/projects").params["status"] == 401
    legacy = catalog.rule("errors.legacy-envelope")
    assert legacy.for_operation("GET", "/api/v1/projects") is None
    assert legacy.for_operation("GET", "/legacy/things") is not None


def test_override_changes_the_verdict_of_a_live_run(tmp_path, demo, run_conformance, pytester):
    api = demo("featbit", faults={"cors.vary-origin"})
    catalog = pytester.path / "mine.yaml"
    catalog.write_text(yaml.safe_dump({"profile": "mine", "title": "Mine", "extends": "featbit",
                                       "rules": [{"id": "cors.vary-origin", "enabled": False}]}))
    outcome = run_conformance(api, profile=str(catalog))
    assert outcome.ret == 0, outcome.output()
    assert "cors.vary-origin" not in [r["id"] for r in outcome.report["rules"]]


def test_a_base_rule_switched_off_is_not_judged_in_a_live_run(demo, run_conformance, pytester):
    api = demo("featbit", faults={"auth.challenge", "methods.head"})
    assert run_conformance(api).failed == {"auth.challenge", "methods.head"}
    catalog = pytester.path / "mine.yaml"
    catalog.write_text(yaml.safe_dump({"profile": "mine", "title": "Mine", "extends": "featbit", "rules": [
        {"id": "auth.challenge", "enabled": False},
        {"id": "methods.head", "overrides": [{"match": {"paths": ["/api/v1/*"]}, "enabled": False,
                                              "reason": "our gateway answers HEAD"}]}]}))
    outcome = run_conformance(api, profile=str(catalog))
    assert outcome.ret == 0, outcome.output()
    assert "auth.challenge" not in [r["id"] for r in outcome.report["rules"]]
    operations = outcome.rule("methods.head")["operations"]
    assert {op: v["status"] for op, v in operations.items() if op.startswith("GET")} == {
        "GET /api/v1/projects": "not-applicable", "GET /api/v1/projects/{id}": "not-applicable",
        "GET /api/v1/health": "not-applicable"}
    assert outcome.status("methods.head-headers") == "passed"  # the other HEAD rule still judges


def test_http_is_a_profile_of_its_own(demo, run_conformance):
    """The base catalog alone: no credential channel, so the rules that need one say so; the others judge."""
    outcome = run_conformance(demo("featbit"), profile="http", token=None, forbidden=None)
    assert outcome.ret == 0, outcome.output()
    statuses = {r["id"]: r["status"] for r in outcome.report["rules"]}
    assert statuses == {"auth.challenge": "passed", "auth.forbidden-credentials": "skipped",
                        "methods.allow-header": "passed", "methods.head": "passed", "methods.head-headers": "passed",
                        "schema.security-schemes": "skipped", "methods.put-replaces": "skipped", "errors.malformed-json": "passed"}
    failing = run_conformance(demo("featbit", faults={"auth.challenge"}), profile="http", token=None, forbidden=None)
    assert failing.failed == {"auth.challenge"}, failing.output()


@pytest.mark.parametrize(("text", "message"), [
    ("profile: x\ntitle: X\nrules:\n  - {id: auth.foo, category: auth, title: T, severity: maybe, "
     "source: {document: d, section: s}}\n", "rule 'auth.foo', field 'severity': 'maybe' is not one of"),
    ("profile: x\ntitle: X\nrules:\n  - {id: auth.foo, category: nope, title: T, severity: must, "
     "source: {document: d, section: s}}\n", "rule 'auth.foo', field 'category'"),
    ("profile: x\ntitle: X\nrules:\n  - {id: auth.foo, category: auth, title: T, severity: must, "
     "source: {document: d, section: s}, check: auth.missing-credential}\n",
     "unknown check 'auth.missing-credential'. Did you mean 'auth.missing-credentials'?"),
    ("profile: x\ntitle: X\nrules:\n  - {id: auth.foo, category: auth}\n", "needs the field(s) title, severity, source"),
    ("profile: x\ntitle: X\nrules: [\n", "is not valid YAML at line"),
    ("profile: x\ntitle: X\nextends: featbit\nrules:\n  - {id: errors.envelope, params: {schema: 3}}\n",
     "rule 'errors.envelope', field 'params': schema: 3 is not of type 'object'"),
    ("profile: x\ntitle: X\nrulez: []\n", "Additional properties are not allowed ('rulez' was unexpected)"),
])
def test_malformed_catalog_is_one_sentence(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(str(path))
    assert message in str(excinfo.value)
    assert str(path) in str(excinfo.value)


def test_unknown_profile_suggests_the_closest():
    with pytest.raises(CatalogError, match="Did you mean 'connectnow'"):
        load_catalog("connectnw")
