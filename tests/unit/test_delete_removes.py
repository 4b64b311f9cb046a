"""methods.delete-removes on a hand-made DELETE-then-GET sequence (no server)."""

from __future__ import annotations

import pytest

from conformance.evidence import Evidence
from conformance.models import Exchange, Request, Response
from conformance.rules import CHECKS
from conformance.sequences import CrudResult

from evidence_kit import context, operation

OK = {"responses": {"200": {"description": "ok"}}}
ARTICLES = {"/api/articles": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                                       "responses": {"201": {"description": "created"}}}},
            "/api/articles/{id}": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                   "schema": {"type": "string"}}],
                                   "get": OK, "delete": {"responses": {"204": {"description": "gone"}}}}}


def judge(after_status: int, params: dict | None = None, never_status: int | None = None) -> list[str]:
    url = "http://127.0.0.1:1/api/articles/7"
    create = Exchange("crud", Request("POST", "http://127.0.0.1:1/api/articles"),
                      Response(201, {"content-type": ["application/json"]}, b'{"id": 7}'), judged=False)
    delete = Exchange("crud", Request("DELETE", url), Response(204, {}, b""), operation="DELETE /api/articles/{id}")
    after = Exchange("crud", Request("GET", url), Response(after_status, {"content-type": ["application/json"]}, b"{}"))
    never = Exchange("crud", Request("GET", "http://127.0.0.1:1/api/articles/conformance-unknown-0c0ffee"),
                     Response(never_status, {}, b"{}")) if never_status else None
    crud = CrudResult(create=create, change=delete, after=after, never=never)
    op = operation("DELETE /api/articles/{id}", ARTICLES)
    found = Evidence(op.label, (create, delete, after), results={"crud": crud}, reached=True, path_reached=True)
    ctx = context("basic-crud", "methods.delete-removes", op, found, params=params)
    return [v.message for v in CHECKS["methods.delete-removes"].judge(ctx)]


@pytest.mark.parametrize("status", [404, 410])
def test_methods_delete_removes_no_false_positive_gone(status):
    assert judge(status) == []


def test_methods_delete_removes_reports_a_resource_still_there():
    assert judge(200) == ["After DELETE answered 204, GET of the same resource answered 200; expected 404 or 410."]


def test_methods_delete_removes_status_param_narrows_it():
    assert judge(410, {"status": 404}) == [
        "After DELETE answered 204, GET of the same resource answered 410; expected 404."]


def test_methods_delete_removes_no_false_positive_when_gone_reads_as_never_issued():
    """Kinto answers 403 for any bucket that does not exist (not to tell which do): after the DELETE the bucket
    answers as an id never issued does, so it is gone."""
    assert judge(403, never_status=403) == []


def test_methods_delete_removes_a_403_where_unknown_ids_get_404_is_a_violation():
    assert judge(403, never_status=404) == [
        "After DELETE answered 204, GET of the same resource answered 403; expected 404 or 410."]
    assert judge(403, {"status": 404}, never_status=403) == [
        "After DELETE answered 204, GET of the same resource answered 403; expected 404."]
