"""The date checks on hand-made exchanges (no server): which values they take for dates, and what they say.

Each ``..._no_false_positive_<case>`` keeps a false alarm away: a payload shaped like a real API's answer
(Kinto, PowerDNS, Stripe, Python's ``isoformat()``) where a value the document does not call a date, or a
date the document allows, must not be reported.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.evidence import Evidence
from conformance.models import Exchange, Request, Response
from conformance.rules import CHECKS, IGNORE
from conformance.rules.dates import date_like_name, iso8601_utc_problem, timestamp_unit

from evidence_kit import context, operation

UNIX = "dates.unix-seconds"
ISO = "dates.iso8601-utc"


def judge(rule_id: str, body: Any, *, formats: dict[str, str] | None = None, status: int = 200,
          params: dict[str, Any] | None = None) -> Any:
    """The check's outcome on one GET answered with ``body`` as JSON, with the params of the built-in profile
    (``params`` in their place where given); the spec's answer marks the properties ``formats`` names."""
    schema = {"type": "object", "properties": {name: {"format": kind} for name, kind in (formats or {}).items()}}
    op = operation("GET /x", {"/x": {"get": {"responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": schema}}}}}}})
    response = Response(status, {"content-type": ["application/json"]}, json.dumps(body).encode())
    exchange = Exchange("generated", Request("GET", "http://127.0.0.1:1/x"), response, operation=op.label)
    profile = "flextype" if rule_id == UNIX else "basic-crud"
    ctx = context(profile, rule_id, op, Evidence(op.label, (exchange,)), params=params)
    return CHECKS[rule_id].judge(ctx, exchange)


# -- real-looking payloads ------------------------------------------------------------------------------------

KINTO_RECORDS = {"data": [
    {"n": 7, "id": "cc6ff473-105f-4460-a8dc-45fcf442e778", "last_modified": 1795702046471},
    {"n": 6, "id": "ec8d331a-6ec6-4522-a038-26fbff4abc66", "last_modified": 1795702046462},
]}
POWERDNS_ZONES = [{"account": "", "catalog": "", "dnssec": False, "edited_serial": 2026112601, "id": "example.org.",
                   "kind": "Native", "last_check": 0, "masters": [], "name": "example.org.", "notified_serial": 0,
                   "serial": 2026112601, "url": "/api/v1/servers/localhost/zones/example.org."}]
STRIPE_CHARGE = {"id": "ch_3MmlLrLkdIwHu7ix0snN0B15", "object": "charge", "amount": 1795398058927,
                 "amount_captured": 1795398058927, "amount_refunded": 0, "balance_transaction": "txn_3MmlLr",
                 "created": 1795398058, "currency": "usd", "livemode": False, "paid": True,
                 "payment_method_details": {"card": {"exp_month": 8, "exp_year": 2027, "last4": "4242"}}}


# -- dates.unix-seconds ---------------------------------------------------------------------------------------

def test_dates_unix_seconds_reports_kinto_milliseconds():
    message = judge(UNIX, KINTO_RECORDS)
    assert message == "/data/0/last_modified is 1795702046471: looks like milliseconds; expected seconds."


@pytest.mark.parametrize(("body", "expected"), [
    ({"createdAt": 1795398058927}, "/createdAt is 1795398058927: looks like milliseconds"),
    ({"lastModified": 1795398058927}, "/lastModified is 1795398058927: looks like milliseconds"),
    ({"updated": 1795398058927000}, "looks like microseconds; expected seconds"),
    ({"meta": {"published": 1795398058927}}, "/meta/published is 1795398058927: looks like milliseconds"),
    ({"created_at": "2015-02-15T05:21:07Z"}, "a date written as a string; expected a Unix timestamp in seconds"),
    ({"note": "2015-02-15T05:21:07Z"}, "/note is '2015-02-15T05:21:07Z': a date written as a string"),
    ({"date": "Sun, 15 Feb 2015 05:21:07 GMT"}, "a date written as a string"),
    ({"modified": "1795398058927"}, "looks like milliseconds; expected seconds"),
])
def test_dates_unix_seconds_finds_dates_by_name_and_by_look(body, expected):
    message = judge(UNIX, body)
    assert isinstance(message, str) and expected in message, message


def test_dates_unix_seconds_judges_what_the_spec_marks_whatever_its_name():
    assert "looks like milliseconds" in judge(UNIX, {"stamp": 1795398058927}, formats={"stamp": "date-time"})
    assert "outside the plausible range" in judge(UNIX, {"stamp": 12}, formats={"stamp": "date-time"})
    assert judge(UNIX, {"stamp": 1795398058}, formats={"stamp": "date-time"}) is None


def test_dates_unix_seconds_passes_seconds():
    assert judge(UNIX, {"id": 4, "created": 1795398058, "createdAt": 1795398058, "last_modified": 1700000000}) is None


def test_dates_unix_seconds_no_false_positive_stripe_created_and_amount():
    # `amount` is as large as a timestamp in milliseconds, but it is an amount.
    assert judge(UNIX, STRIPE_CHARGE) is None
    assert judge(UNIX, {"object": "list", "data": [STRIPE_CHARGE], "has_more": False}) is None


def test_dates_unix_seconds_no_false_positive_powerdns_serials():
    # serial 2026112601 is in the range of Unix seconds; it is a serial number (YYYYMMDDnn), not a date.
    assert judge(UNIX, POWERDNS_ZONES) is IGNORE


def test_dates_unix_seconds_no_false_positive_ids_counts_sizes_versions():
    body = {"id": 1795398058927, "count": 1795398058, "total": 2026112601, "size": 4102444800123,
            "bytes": 1795398058927000, "version": 1795398058927, "price": 179539805892, "serial": 2026112601}
    assert judge(UNIX, body) is IGNORE


def test_dates_unix_seconds_no_false_positive_durations_and_sentinels_under_date_names():
    # A duration, "0 = never" and a word are not timestamps, though their names are date-like.
    body = {"response_time": 35, "elapsed_time": 0.023, "updated": 0, "time": "5 minutes", "date": ""}
    assert judge(UNIX, body) is IGNORE


def test_dates_unix_seconds_no_false_positive_fractional_seconds():
    assert judge(UNIX, {"created": 1795398058.25}) is None


def test_dates_unix_seconds_no_false_positive_digit_strings():
    body = {"version": "2024.01.02", "phone": "+1-555-0100", "id": "2024-01-02-rc1", "build": "20240102",
            "isbn": "978-3-16-148410-0", "code": "1795398058927"}
    assert judge(UNIX, body) is IGNORE


def test_dates_unix_seconds_no_false_positive_booleans_under_date_names():
    assert judge(UNIX, {"updated": True, "deleted_at": None, "is_modified": False}) is IGNORE


# -- dates.iso8601-utc ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "2015-02-15T05:21:07Z",
    "2015-02-15T05:21:07.000+00:00",  # Python's isoformat() of an aware UTC datetime, with milliseconds
    "2015-02-15T05:21:07+00:00",
    "2015-02-15T05:21:07+00",
    "2015-02-15T05:21:07.123456Z",
    "2015-02-15T05:21:07,5Z",  # ISO 8601 prefers the comma
    "2015-02-15T05:21Z",  # reduced precision
    "20150215T052107Z",  # basic format
    "20150215T052107+0000",
    "2016-12-31T23:59:60Z",  # a leap second
])
def test_iso8601_utc_problem_accepts_every_utc_spelling(value):
    assert iso8601_utc_problem(value) is None


@pytest.mark.parametrize(("value", "expected"), [
    ("2015-02-15T07:21:07+02:00", "ISO-8601 but not UTC: the offset is +02:00"),
    ("2015-02-15T00:21:07-05:00", "ISO-8601 but not UTC: the offset is -05:00"),
    ("2015-02-15T05:21:07", "a date-time without an offset does not say it is UTC"),
    ("2015-02-15T05:21:07.000", "a date-time without an offset does not say it is UTC"),
    ("2015-02-15T05:21:07-00:00", "the offset -00:00 is not UTC in ISO 8601"),
    ("2015-02-15T05:21:07+0000", "the offset +0000 is written in the basic format"),
    ("2015-02-15 05:21:07Z", "separated by a space; ISO 8601 writes T"),
    ("2015-02-30T05:21:07Z", "not a valid calendar date"),
    ("2015-02-15T25:21:07Z", "not a valid time of day"),
    ("Sun, 15 Feb 2015 05:21:07 GMT", "not an ISO-8601 date"),
])
def test_iso8601_utc_problem_says_what_is_wrong(value, expected):
    problem = iso8601_utc_problem(value)
    assert problem is not None and expected in problem, problem


def test_dates_iso8601_utc_reports_an_offset_that_is_not_utc():
    assert judge(ISO, {"updated_at": "2015-02-15T07:21:07+02:00"}) == (
        "/updated_at is '2015-02-15T07:21:07+02:00': ISO-8601 but not UTC: the offset is +02:00 "
        "(expected Z or +00:00, e.g. 2015-02-15T05:21:07Z).")


@pytest.mark.parametrize(("body", "expected"), [
    ({"createdAt": "2015-02-15T05:21:07"}, "without an offset does not say it is UTC"),  # no format in the spec
    ({"expires": "2015-02-15T05:21:07+01:00"}, "the offset is +01:00"),  # any name: the value reads as a date
    ({"lastModified": "Sun, 15 Feb 2015 05:21:07 GMT"}, "not an ISO-8601 date"),
    ({"date": "02/15/2015"}, "not an ISO-8601 date"),
    ({"last_modified": 1795702046471}, "a Unix timestamp in milliseconds, not an ISO-8601 string"),
    ({"created": "1795398058"}, "a Unix timestamp (seconds) written as a string"),
])
def test_dates_iso8601_utc_finds_dates_the_spec_does_not_mark(body, expected):
    message = judge(ISO, body)
    assert isinstance(message, str) and expected in message, message


def test_dates_iso8601_utc_judges_what_the_spec_marks_whatever_its_name():
    assert "not an ISO-8601 date" in judge(ISO, {"stamp": "yesterday"}, formats={"stamp": "date-time"})
    assert "expected a UTC ISO-8601 string" in judge(ISO, {"stamp": 12}, formats={"stamp": "date-time"})
    assert judge(ISO, {"day": "2015-02-15"}, formats={"day": "date"}) is None


def test_dates_iso8601_utc_no_false_positive_plus_00_00():
    body = {"id": 4101, "createdAt": "2015-02-15T05:21:07.000+00:00", "updatedAt": "2015-02-15T05:21:07.000+00:00"}
    assert judge(ISO, body) is None
    assert judge(ISO, body, formats={"createdAt": "date-time", "updatedAt": "date-time"}) is None


def test_dates_iso8601_utc_no_false_positive_fractional_seconds_and_short_offset():
    assert judge(ISO, {"created_at": "2015-02-15T05:21:07.123456Z", "updated": "2015-02-15T05:21:07+00"}) is None


def test_dates_iso8601_utc_no_false_positive_date_alone():
    assert judge(ISO, {"due_date": "2015-02-15", "birthday": "2015-02-15"}) is None


def test_dates_iso8601_utc_no_false_positive_digit_strings():
    body = {"version": "2024.01.02", "phone": "+1-555-0100", "id": "2024-01-02-rc1", "build": "20240102",
            "sku": "1234-56-78", "isbn": "978-3-16-148410-0", "title": "Minutes of 2015-02-15 05:21"}
    assert judge(ISO, body) is IGNORE


def test_dates_iso8601_utc_no_false_positive_large_integers():
    body = {"id": 1795398058927, "amount": 1795398058927, "serial": 2026112601, "edited_serial": 2026112601,
            "notified_serial": 0, "size": 4102444800123, "count": 1795398058}
    assert judge(ISO, body) is IGNORE


def test_dates_iso8601_utc_no_false_positive_durations_under_date_names():
    assert judge(ISO, {"response_time": 35, "time": "5 minutes", "updated": 0, "date": ""}) is IGNORE


# -- the pieces ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("created_at", True), ("createdAt", True), ("lastModified", True), ("last_modified", True),
    ("Last-Modified", True), ("updated", True), ("modified", True), ("timestamp", True), ("date", True),
    ("time", True), ("due_date", True), ("dueDate", True), ("start_time", True), ("published", True),
    ("id", False), ("amount", False), ("serial", False), ("edited_serial", False), ("notified_serial", False),
    ("count", False), ("size", False), ("version", False), ("format", False), ("timezone", False),
    ("flat", False), ("updates", False),
])
def test_date_like_names(name, expected):
    assert date_like_name(name) is expected


@pytest.mark.parametrize(("value", "unit"), [
    (1795398058, "seconds"), (1795398058927, "milliseconds"), (1795398058927000, "microseconds"),
    (1795398058927000000, "nanoseconds"), (0, None), (35, None), (2015, None), (99_999_999_999, None),
    (True, None), ("1795398058", None), (float("nan"), None),
])
def test_timestamp_unit(value, unit):
    assert timestamp_unit(value) == unit


# -- properties -------------------------------------------------------------------------------------------------

from datetime import datetime, timedelta, timezone  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

FAST = settings(max_examples=200, deadline=None, database=None)
moments = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))


@FAST
@given(moments, st.sampled_from(["auto", "seconds", "milliseconds", "microseconds"]))
def test_every_utc_isoformat_passes(moment, timespec):
    aware = moment.replace(tzinfo=timezone.utc)
    assert iso8601_utc_problem(aware.isoformat(timespec=timespec)) is None
    assert iso8601_utc_problem(aware.strftime("%Y-%m-%dT%H:%M:%SZ")) is None
    assert iso8601_utc_problem(aware.strftime("%Y%m%dT%H%M%SZ")) is None


@FAST
@given(moments, st.integers(-23 * 60 - 59, 23 * 60 + 59).filter(bool))
def test_every_other_offset_is_not_utc(moment, minutes):
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    problem = iso8601_utc_problem(aware.isoformat())
    assert problem is not None and "not UTC" in problem


@FAST
@given(moments)
def test_a_naive_datetime_is_not_marked_utc(moment):
    problem = iso8601_utc_problem(moment.isoformat(timespec="seconds"))
    assert problem is not None and "without an offset" in problem


@FAST
@given(st.text(max_size=40))
def test_iso8601_utc_problem_never_raises(text):
    problem = iso8601_utc_problem(text)
    assert problem is None or isinstance(problem, str)
