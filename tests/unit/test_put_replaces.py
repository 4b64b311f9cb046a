"""methods.put-replaces judged on a hand-made create / PUT / GET sequence, no server: RFC 9110 §9.3.4, what a PUT
leaves out does not survive it, read back with GET; a field that reads as it was created is told apart from one
reset to a default equal to it by a second value."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.models import Exchange, Request, Response, Skip
from conformance.rules import CHECKS
from conformance.sequences import CrudResult

ITEM = "http://api.test/api/invoices/INV-1"


def read(state: dict[str, Any], status: int = 200) -> Exchange:
    return Exchange("crud", Request("GET", ITEM), Response(status, {"content-type": ["application/json"]},
                                                          json.dumps(state).encode()), judged=False)


def put(status: int = 200) -> Exchange:
    return Exchange("crud", Request("PUT", ITEM), Response(status, {}, b"{}"), operation="PUT /api/invoices/{id}")


def judge(crud: CrudResult) -> list[str]:
    ctx = SimpleNamespace(params={}, result=lambda name: crud,
                          operation=SimpleNamespace(method="PUT", path="/api/invoices/{id}",
                                                    collection_path="/api/invoices"))
    return [v.message for v in CHECKS["methods.put-replaces"].judge(ctx)]


def sequence(after: dict[str, Any], *, again: dict[str, Any] | None = None, other: Any = "sent") -> CrudResult:
    created = {"invoice_no": "INV-1", "customer": "C", "status": "draft"}
    crud = CrudResult(create=put(201), before=read(created), change=put(), after=read(after), left_out="status")
    if again is not None:
        crud.other, crud.other_set, crud.after_again = other, read({**created, "status": other}), read(again)
    return crud


def test_a_field_gone_null_or_changed_after_the_put_was_replaced():
    assert judge(sequence({"invoice_no": "INV-1", "customer": "C"})) == []
    assert judge(sequence({"invoice_no": "INV-1", "customer": "C", "status": None})) == []
    assert judge(sequence({"invoice_no": "INV-1", "customer": "C", "status": "void"})) == []


def test_put_replaces_no_false_positive_when_the_reset_value_is_the_created_one():
    """Created "draft", reset to "draft": set to "sent" and left out again, it reads "draft": replaced."""
    same = {"invoice_no": "INV-1", "customer": "C", "status": "draft"}
    assert judge(sequence(same, again=same)) == []


def test_a_put_that_keeps_what_it_leaves_out_is_one_violation():
    same = {"invoice_no": "INV-1", "customer": "C", "status": "draft"}
    assert judge(sequence(same, again={**same, "status": "sent"})) == [
        "PUT without 'status' kept it: GET after the PUT shows status='sent', the value the PUT before it set (and "
        "status='draft' after a first PUT without it, as the resource was created); expected it absent, null or "
        "reset (a PUT replaces the whole resource, RFC 9110 9.3.4)."]


def test_without_a_second_value_a_kept_field_is_not_judged():
    same = {"invoice_no": "INV-1", "customer": "C", "status": "draft"}
    with pytest.raises(Skip, match="no other value of 'status' could be set"):
        judge(sequence(same))
    crud = sequence(same, again={**same, "status": "sent"})
    crud.other_set = read(same)  # the PUT that set "sent" did not show it
    with pytest.raises(Skip, match="a PUT setting it to 'sent' did not show it set"):
        judge(crud)
