"""The pagination checks judged on a hand-made page walk (the exchanges a walk leaves), no server: ConnectNow's
example page is the format, so each fault a frontend would trip over is one finding, and a page that keeps the
format is none."""

from __future__ import annotations

import json
from typing import Any

from conformance.evidence import Evidence
from conformance.models import Exchange, Request, Response
from conformance.rules import CHECKS
from conformance.sequences import PageStep, PageWalk

from evidence_kit import context, operation

URL = "http://api.test/api/invoices"
ROWS = [{"invoice_no": f"INV-{n:04d}"} for n in range(1, 24)]  # 23 items, ten a page: pages 1, 2, 3


def page(number: int, per_page: int = 10, **changes: Any) -> dict[str, Any]:
    start = (number - 1) * per_page
    shown = ROWS[start:start + per_page]
    last = -(-len(ROWS) // per_page)
    body = {"data": shown, "current_page": number, "per_page": per_page,
            "from": start + 1 if shown else None, "to": start + len(shown) if shown else None, "path": URL,
            "first_page_url": f"{URL}?page=1", "prev_page_url": f"{URL}?page={number - 1}" if number > 1 else None,
            "next_page_url": f"{URL}?page={number + 1}" if number < last else None}
    return {**body, **changes}


def step(number: int, body: Any = None, status: int = 200, past_last: bool = False) -> PageStep:
    raw = json.dumps(body if body is not None else {"message": "no such page"}).encode()
    exchange = Exchange("page-walk", Request("GET", f"{URL}?page={number}"),
                        Response(status, {"content-type": ["application/json"]}, raw), operation="GET /api/invoices")
    return PageStep(number, exchange, past_last, "past-last" if past_last else "page")


INVOICES = {"/api/invoices": {"get": {
    "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
    "responses": {"200": {"description": "one page of invoices"}}}}}


def judge(rule: str, *steps: PageStep) -> list[str]:
    walk = PageWalk(list(steps))
    op = operation("GET /api/invoices", INVOICES)
    found = Evidence(op.label, tuple(s.exchange for s in steps), results={"page-walk": walk}, reached=True,
                     path_reached=True)
    ctx = context("connectnow", rule, op, found)
    return [violation.message for violation in CHECKS[rule].judge(ctx)]


def walk(*bodies: dict[str, Any], past: PageStep | None = None) -> list[PageStep]:
    steps = [step(n, body) for n, body in enumerate(bodies, start=1)]
    return steps + [past or step(len(bodies) + 1, status=404, past_last=True)]


def test_pages_that_keep_the_example_page_have_no_finding():
    good = walk(page(1), page(2), page(3))
    assert judge("pagination.page-arithmetic", *good) == []
    assert judge("pagination.links", *good) == []
    assert judge("pagination.fields", *good) == []
    # the page past the last may be empty rather than a 404: the same pages, no finding either
    assert judge("pagination.links", *walk(page(1), page(2), page(3), past=step(4, page(4), past_last=True))) == []


def test_to_off_by_one():
    assert judge("pagination.page-arithmetic", *walk(page(1), page(2), page(3, to=24))) == [
        "page 3: 'to' is 24; expected 23 (from 21 + 3 items - 1)"]


def test_from_wrong():
    assert judge("pagination.page-arithmetic", *walk(page(1), page(2, **{"from": 10}), page(3))) == [
        "page 2: 'from' is 10; expected 11 ((page 2 - 1) x per_page 10 + 1)"]


def test_a_right_to_beside_a_wrong_from_no_false_positive():
    """'to' is 20 on page 2 (ten items after ten): right, whatever 'from' says; only 'from' is a finding."""
    messages = judge("pagination.page-arithmetic", *walk(page(1), page(2, **{"from": 10}), page(3)))
    assert not any("'to'" in m for m in messages), messages


def test_more_items_than_per_page():
    crowded = page(1, data=ROWS[:11], to=11)
    assert judge("pagination.page-arithmetic", *walk(crowded, page(2), page(3))) == [
        "page 1: data holds 11 items but per_page is 10"]


def test_current_page_not_the_page_asked_for():
    assert judge("pagination.page-arithmetic", *walk(page(1), page(2, current_page=1), page(3))) == [
        "page 2: current_page is 1; expected 2 (the page asked for)"]


def test_next_page_url_on_the_last_page_pointing_past_it():
    beyond = page(3, next_page_url=f"{URL}?page=4")
    # the page past the last answered 404 (ConnectNow's table allows it)
    assert judge("pagination.links", step(1, page(1)), step(2, page(2)), step(3, beyond), step(4, status=404)) == [
        f"page 3: next_page_url is \"{URL}?page=4\", which points at page 4, past the last page (page 4 answered "
        "404); expected null"]
    # or an empty page
    assert judge("pagination.links", step(1, page(1)), step(2, page(2)), step(3, beyond),
                 step(4, page(4), past_last=True)) == [
        f"page 3: next_page_url is \"{URL}?page=4\", but page 3 is the last page (page 4 is empty); expected null"]


def test_next_page_url_pointing_past_the_next_page():
    assert judge("pagination.links", *walk(page(1, next_page_url=f"{URL}?page=3"), page(2), page(3))) == [
        f"page 1: next_page_url is \"{URL}?page=3\", which points at page 3; expected page 2"]


def test_next_page_url_null_before_the_last_page():
    early = page(2, next_page_url=None)
    assert judge("pagination.links", step(1, page(1)), step(2, early), step(3, page(3), past_last=True)) == [
        "page 2: next_page_url is null, but page 3 has items; expected a link to page 3 (null only on the last page)"]


def test_a_page_after_that_failed_for_another_reason_is_no_finding_about_the_link():
    """A 500 or 429 on the page after says nothing about whether it exists."""
    for status in (500, 429, 401):
        assert judge("pagination.links", step(1, page(1)), step(2, page(2)), step(3, status=status)) == []
