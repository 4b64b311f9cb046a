"""methods.put-replaces judged on a hand-made create / PUT / GET sequence, no server: RFC 9110 §9.3.4, what a PUT
leaves out does not survive it, read back with GET; a field that reads as it was created is told apart from one
reset to a default equal to it by a second value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.evidence import Evidence
from conformance.models import Exchange, Request, Response, Skip
from conformance.rules import CHECKS
from conformance.sequences import CrudResult

from evidence_kit import context, operation

ITEM = "http://api.test/api/invoices/INV-1"


def read(state: dict[str, Any], status: int = 200) -> Exchange:
    return Exchange("crud", Request("GET", ITEM), Response(status, {"content-type": ["application/json"]},
                                                          json.dumps(state).encode()), judged=False)


def put(status: int = 200) -> Exchange:
    return Exchange("crud", Request("PUT", ITEM), Response(status, {}, b"{}"), operation="PUT /api/invoices/{id}")


INVOICE = {"type": "object", "properties": {"invoice_no": {"type": "string"}, "customer": {"type": "string"},
                                           "status": {"type": "string"}}}
BODY = {"content": {"application/json": {"schema": INVOICE}}}
INVOICES = {"/api/invoices": {"post": {"requestBody": BODY, "responses": {"201": {"description": "created"}}}},
            "/api/invoices/{id}": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                   "schema": {"type": "string"}}],
                                   "get": {"responses": {"200": {"description": "ok"}}},
                                   "put": {"requestBody": BODY, "responses": {"200": {"description": "replaced"}}}}}


def judge(crud: CrudResult) -> list[str]:
    op = operation("PUT /api/invoices/{id}", INVOICES)
    steps = (crud.create, crud.before, crud.change, crud.after, crud.other_set, crud.after_again)
    found = Evidence(op.label, tuple(e for e in steps if e is not None), results={"crud": crud}, reached=True,
                     path_reached=True)
    ctx = context("connectnow", "methods.put-replaces", op, found)
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
