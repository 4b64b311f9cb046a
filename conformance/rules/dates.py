"""dates: UTC ISO-8601 strings, or Unix timestamps in seconds.

A value is a date when the spec marks it (``format: date`` / ``date-time``), when its field has a date-like
name (the rule's ``field_patterns``, matched against the name in snake_case, so ``createdAt`` is
``created_at``), or, for a string, when it reads as a calendar date (``2015-02-15``, ``2015-02-15T05:21``).

A date-like name alone does not make a value a date: a number counts only in the range of a Unix timestamp
(seconds, milliseconds, microseconds or nanoseconds between 1973 and 2100) and a string only when it reads as
a date. Anything else under such a name (a duration, a count, 0 for "never", a word) is not judged, and
numbers under other names (ids, serials, amounts, sizes) never are.
"""

from __future__ import annotations

import calendar
import fnmatch
import json
import re
from typing import Any, Iterator

from .content_type import has_body
from .registry import IGNORE, check

# The names a date usually goes by, as globs over the snake_case name.
DATE_FIELD_PATTERNS = ["*_at", "*_date", "*_time", "*_timestamp", "date", "time", "timestamp", "created", "updated",
                       "modified", "published", "*_created", "*_updated", "*_modified"]

# Plausible Unix seconds: 1973-03-03 .. 2100-01-01. The same moments in finer units are 10**3, 10**6 and
# 10**9 times larger, so the four ranges never overlap.
UNIX_MIN, UNIX_MAX = 100_000_000, 4_102_444_800
UNITS = (("seconds", 1), ("milliseconds", 10 ** 3), ("microseconds", 10 ** 6), ("nanoseconds", 10 ** 9))

EXAMPLE = "2015-02-15T05:21:07Z"

# A string that reads as an ISO calendar date, whatever field it is in: a real month and day, then the end
# or a time. "2024.01.02", "2024-01-02-rc1", "+1-555-0100" and ids do not.
LOOKS_LIKE_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])([T ]\d{2}:\d{2}|\Z)", re.ASCII)
# Under a date-like name, other ways of writing a date count too (to be judged, not accepted).
_MONTH = (r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?"
          r"|nov(ember)?|dec(ember)?)\b")
_OTHER_DATE_SHAPES = [
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"),  # 2015/02/15, 2015.2.15
    re.compile(r"^\d{8}(T\d|\Z)"),  # 20150215, 20150215T052107Z
    re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"),  # 02/15/2015, 15.02.2015
    re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}},?\s+\d{{4}}\b", re.I),  # Feb 15, 2015
    re.compile(rf"\b\d{{1,2}}[\s-]+{_MONTH}\.?[\s-]+\d{{4}}\b", re.I),  # Sun, 15 Feb 2015 05:21:07 GMT
]
_NUMERIC = re.compile(r"^\d+(\.\d+)?\Z", re.ASCII)

# ISO 8601 date and time of day, extended (2015-02-15T05:21:07.5+00:00) or basic (20150215T052107Z) format.
_OFFSET = r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?"
_EXTENDED = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:(?P<sep>[T ])(?P<H>\d{2}):(?P<M>\d{2})"
                       r"(?::(?P<S>\d{2})(?P<frac>[.,]\d+)?)?" + _OFFSET + r")?\Z", re.ASCII)
_BASIC = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<sep>[T ])(?P<H>\d{2})(?P<M>\d{2})"
                    r"(?:(?P<S>\d{2})(?P<frac>[.,]\d+)?)?" + _OFFSET + r")?\Z", re.ASCII)

PATTERNS_SCHEMA = {"type": "object", "properties": {"field_patterns": {"type": "array", "items": {"type": "string"}}}}


def walk(value: Any, pointer: str = "") -> Iterator[tuple[str, str, Any]]:
    """(pointer, key, value) for every member of every object in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{pointer}/{key}"
            yield path, str(key), item
            yield from walk(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{pointer}/{index}")


def snake_case(name: str) -> str:
    """createdAt -> created_at, lastModified -> last_modified, Last-Modified -> last_modified."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return name.replace("-", "_").lower()


def date_like_name(name: str, patterns: list[str] | None = None) -> bool:
    patterns = DATE_FIELD_PATTERNS if patterns is None else patterns
    names = {name.lower(), snake_case(name)}
    return any(fnmatch.fnmatchcase(n, p.lower()) for n in names for p in patterns)


def timestamp_unit(value: Any) -> str | None:
    """The unit a number would be a Unix timestamp (1973..2100) in, or None when it is none of them."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    for unit, factor in UNITS:
        if UNIX_MIN * factor <= value <= UNIX_MAX * factor:
            return unit
    return None


def reads_as_date(value: str) -> bool:
    """Under a date-like name: does this string write a date (in any common way)?"""
    if len(value) > 64:
        return False
    return bool(LOOKS_LIKE_DATE.match(value) or any(shape.search(value) for shape in _OTHER_DATE_SHAPES)
                or (_NUMERIC.match(value) and timestamp_unit(float(value))))


def iso8601_utc_problem(value: str) -> str | None:
    """What keeps a string from being an ISO-8601 date, or a UTC ISO-8601 date-time; None when it is one.

    ISO 8601 writes UTC as ``Z`` or a zero offset (``+00:00``, ``+00``; ``+0000`` in the basic format);
    ``-00:00`` is not a zero offset there (RFC 3339 uses it for "local offset unknown"). A date alone
    carries no time, so no zone either, and is fine. Fractional seconds (``.000`` or ``,000``) are fine.
    """
    match = _EXTENDED.match(value) or _BASIC.match(value)
    if match is None:
        return f"not an ISO-8601 date (expected e.g. {EXAMPLE})"
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return "not a valid calendar date"
    if match["H"] is None:
        return None  # a date alone
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    if hour > 23 or minute > 59 or second > 60:
        return "not a valid time of day"
    if match["sep"] == " ":
        return f"the date and the time are separated by a space; ISO 8601 writes T (e.g. {EXAMPLE})"
    offset = match["offset"]
    if offset is None:
        return f"a date-time without an offset does not say it is UTC (expected Z or +00:00, e.g. {EXAMPLE})"
    if offset == "Z":
        return None
    digits = offset[1:].replace(":", "")
    if int(digits[:2]) > 23 or (len(digits) == 4 and int(digits[2:]) > 59):
        return f"the offset {offset} is not a valid UTC offset"
    extended = match.re is _EXTENDED
    if len(digits) == 4 and (":" in offset) != extended:
        return (f"the offset {offset} is written in the {'basic' if extended else 'extended'} format after a "
                f"time in the {'extended' if extended else 'basic'} format; ISO 8601 keeps one format "
                f"(expected {'Z or +00:00' if extended else 'Z or +0000'})")
    if int(digits) != 0:
        return f"ISO-8601 but not UTC: the offset is {offset} (expected Z or +00:00, e.g. {EXAMPLE})"
    if offset.startswith("-"):
        return f"the offset {offset} is not UTC in ISO 8601 (RFC 3339 uses it for an unknown local offset); expected Z or +00:00"
    return None


def date_fields(ctx, exchange) -> Iterator[tuple[str, Any, str, bool]]:
    """(pointer, value, format, named) of the candidate date fields in a response: format is the spec's
    'date' or 'date-time' ('' where it says nothing), named is whether the field's name is date-like."""
    body = exchange.response.json_or_none()
    if body is None:
        return
    formats = ctx.operation.date_formats()  # property name -> 'date' | 'date-time'
    patterns = ctx.params.get("field_patterns", DATE_FIELD_PATTERNS)
    for pointer, key, value in walk(body):
        if isinstance(value, (dict, list)) or value is None:
            continue
        fmt = formats.get(key, "")
        named = date_like_name(key, patterns)
        if fmt or named or (isinstance(value, str) and LOOKS_LIKE_DATE.match(value)):
            yield pointer, value, fmt, named


def _echoed(exchange) -> set[tuple[str, str]]:
    """(key, value) pairs the client itself sent: the request's own JSON body, and the bodies of the run's
    earlier writes to the same resource, a parent or a child (``Exchange.written``). An API that stores and
    returns what the client sent says nothing about how it writes dates itself."""
    try:
        sent = [json.loads(exchange.request.body)] if exchange.request.body else []
    except ValueError:
        sent = []
    return {(key, repr(value)) for body in (*sent, *exchange.written) for _, key, value in walk(body)
            if not isinstance(value, (dict, list))}


def _judge_all(ctx, exchange, judge_one):
    if not has_body(exchange):
        return IGNORE
    seen = False
    echoed = _echoed(exchange)
    for pointer, value, fmt, named in date_fields(ctx, exchange):
        if (pointer.rsplit("/", 1)[-1], repr(value)) in echoed:
            continue
        problem = judge_one(value, fmt, named)
        if problem is IGNORE:
            continue
        seen = True
        if problem:
            return f"{pointer} is {value!r}: {problem}."
    return None if seen else IGNORE


def iso8601_utc_judgement(value: Any, fmt: str = "", named: bool = False) -> Any:
    """A problem, None (a UTC ISO-8601 date), or IGNORE (not a date at all)."""
    if isinstance(value, str):
        if fmt or LOOKS_LIKE_DATE.match(value):
            return iso8601_utc_problem(value)
        if named and reads_as_date(value):
            if _NUMERIC.match(value):
                return (f"a Unix timestamp ({timestamp_unit(float(value))}) written as a string, not an ISO-8601 "
                        f"date (expected e.g. {EXAMPLE})")
            return iso8601_utc_problem(value)
        return IGNORE
    unit = timestamp_unit(value)
    if unit is not None:
        return f"a Unix timestamp in {unit}, not an ISO-8601 string (expected e.g. {EXAMPLE})"
    if fmt:
        return f"expected a UTC ISO-8601 string such as {EXAMPLE}"
    return IGNORE


@check("dates.iso8601-utc", params=PATTERNS_SCHEMA)
def iso8601_utc(ctx, exchange):
    return _judge_all(ctx, exchange, iso8601_utc_judgement)


def unix_seconds_problem(value: Any) -> str | None:
    """For a value known to be a date (the spec marks it): a problem, or None for Unix seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "expected a Unix timestamp in seconds (a number)"
    unit = timestamp_unit(value)
    if unit == "seconds":
        return None
    if unit is not None:
        return f"looks like {unit}; expected seconds"
    return f"outside the plausible range of Unix seconds ({UNIX_MIN}..{UNIX_MAX})"


def unix_seconds_judgement(value: Any, fmt: str = "", named: bool = False) -> Any:
    """A problem, None (Unix seconds), or IGNORE (not a date at all)."""
    if fmt:
        return unix_seconds_problem(value)
    if isinstance(value, str):
        if _NUMERIC.match(value) and named:
            unit = timestamp_unit(float(value))
            if unit is None:
                return IGNORE
            return None if unit == "seconds" else f"looks like {unit}; expected seconds"
        if LOOKS_LIKE_DATE.match(value) or (named and reads_as_date(value)):
            return "a date written as a string; expected a Unix timestamp in seconds"
        return IGNORE
    unit = timestamp_unit(value)
    if unit is None:
        return IGNORE
    return None if unit == "seconds" else f"looks like {unit}; expected seconds"


@check("dates.unix-seconds", params=PATTERNS_SCHEMA)
def unix_seconds(ctx, exchange):
    return _judge_all(ctx, exchange, unix_seconds_judgement)


__all__ = ["DATE_FIELD_PATTERNS", "date_like_name", "iso8601_utc_problem", "timestamp_unit",
           "unix_seconds_problem", "walk"]
