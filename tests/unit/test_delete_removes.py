"""methods.delete-removes on a hand-made DELETE-then-GET sequence (no server)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conformance.models import Exchange, Request, Response
from conformance.rules import CHECKS


def judge(after_status: int, params: dict | None = None) -> list[str]:
    url = "http://127.0.0.1:1/api/articles/7"
    delete = Exchange("crud", Request("DELETE", url), Response(204, {}, b""))
    after = Exchange("crud", Request("GET", url), Response(after_status, {"content-type": ["application/json"]}, b"{}"))
    crud = SimpleNamespace(change=delete, after=after)
    ctx = SimpleNamespace(params=params or {}, result=lambda probe: crud)
    return [v.message for v in CHECKS["methods.delete-removes"].judge(ctx)]


@pytest.mark.parametrize("status", [404, 410])
def test_methods_delete_removes_no_false_positive_gone(status):
    assert judge(status) == []


def test_methods_delete_removes_reports_a_resource_still_there():
    assert judge(200) == ["After DELETE answered 204, GET of the same resource answered 200; expected 404 or 410."]


def test_methods_delete_removes_status_param_narrows_it():
    assert judge(410, {"status": 404}) == [
        "After DELETE answered 204, GET of the same resource answered 410; expected 404."]
