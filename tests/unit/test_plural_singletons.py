"""naming.plural-resources where the document excuses singletons (Heroku: "Use the plural version of a resource
name unless the resource in question is a singleton within the system"): a last segment with no item below it
and no list in its answer (/me, /status) is a singleton; a collection (/items with /items/{id}) is not. Judged
as a run judges it (a real Context of the connectnow profile, its params replaced)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conformance.derive import derive
from conformance.judge import judge
from conformance.rules import CHECKS
from conformance.settings import Settings

from evidence_kit import context, operation

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
LIST = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array"}}}}}
PATHS = {"/me": {"get": {"responses": OK}}, "/item": {"get": {"responses": LIST}},
         "/box": {"get": {"responses": OK}}, "/box/{id}": {"get": {"responses": OK, "parameters": [
             {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]}}}


SETTINGS = Settings(url="http://api.test", spec=None, profile="connectnow", token=None, forbidden_token=None, json=None,
                    html=None, sarif=None, baseline=None, update_baseline=False, max_examples=1, seed=1,
                    seed_given=False, timeout=5, max_rps=None, max_requests=None, read_only=False,
                    rate_limit_probe=None, retry_after_cap=5, rootdir=Path("."))


def messages(label: str, params: dict) -> list[str]:
    op = operation(label, PATHS)
    ctx = dataclasses.replace(context("connectnow", "naming.plural-resources", op, params=params), settings=SETTINGS)
    return [v.message for v in judge(CHECKS[ctx.rule.check], ctx).violations]


@pytest.mark.parametrize("label, singletons, failed", [
    ("GET /me", True, False),        # a singleton the document excuses
    ("GET /me", False, True),        # a document that excuses none
    ("GET /item", True, True),       # documented as a list: a collection, whatever the document excuses
    ("GET /box/{id}", True, True),   # an item below it: a collection
])
def test_plural_resources_no_false_positive_on_a_singleton_the_document_excuses(label, singletons, failed):
    found = messages(label, {"singletons": singletons})
    assert bool(found) is failed, found
    if failed:
        assert "is not plural" in found[0]


def test_derive_reads_the_singleton_exception(tmp_path):
    doc = tmp_path / "guide.md"
    doc.write_text("# Guide\n\n## Resource names\n\nResource names must be plural unless the resource in question is "
                   "a singleton within the system (for example, the overall status of the system might be "
                   "`/status`).\n")
    data, _ = derive([doc])
    rule = next(r for r in data["rules"] if r["id"] == "naming.plural-resources")
    assert rule["params"] == {"ignore_segments": ["status"], "singletons": True}
