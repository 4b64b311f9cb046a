"""dates: UTC ISO-8601 with Z, or integer Unix seconds, found by the spec's formats, the profile's
field-name patterns, and values that look like dates."""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Iterator

from .registry import IGNORE, check
from .content_type import has_body

LOOKS_LIKE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}|$)")
ISO_UTC = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z$")
ISO_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
# Plausible Unix seconds: 1973-03-03 .. 2100-01-01. Larger integers are usually milliseconds.
UNIX_MIN, UNIX_MAX = 100_000_000, 4_102_444_800

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


def date_fields(ctx, exchange) -> Iterator[tuple[str, Any, str]]:
    """(pointer, value, format) of the date fields in a response: format is 'date', 'date-time' or ''."""
    body = exchange.response.json_or_none()
    if body is None:
        return
    formats = ctx.operation.date_formats()  # property name -> 'date' | 'date-time'
    patterns = ctx.params.get("field_patterns", [])
    for pointer, key, value in walk(body):
        if isinstance(value, (dict, list)) or value is None:
            continue
        fmt = formats.get(key, "")
        if fmt or any(fnmatch.fnmatchcase(key.lower(), p) for p in patterns):
            yield pointer, value, fmt
        elif isinstance(value, str) and LOOKS_LIKE_DATE.match(value):
            yield pointer, value, ""


def _judge_all(ctx, exchange, judge_one):
    if not has_body(exchange):
        return IGNORE
    seen = False
    for pointer, value, fmt in date_fields(ctx, exchange):
        seen = True
        problem = judge_one(value, fmt)
        if problem:
            return f"{pointer} is {value!r}: {problem}."
    return None if seen else IGNORE


@check("dates.iso8601-utc", params=PATTERNS_SCHEMA)
def iso8601_utc(ctx, exchange):
    def judge(value, fmt):
        if not isinstance(value, str):
            return "expected a UTC ISO-8601 string such as 2015-02-15T05:21:07Z"
        if fmt == "date" and ISO_DATE.match(value):
            return None
        if ISO_UTC.match(value):
            return None
        if LOOKS_LIKE_DATE.match(value):
            return "not UTC ISO-8601 with a Z (expected e.g. 2015-02-15T05:21:07Z)"
        return "not an ISO-8601 date (expected e.g. 2015-02-15T05:21:07Z)"
    return _judge_all(ctx, exchange, judge)


def unix_seconds_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "expected an integer Unix timestamp in seconds"
    if isinstance(value, float) and not value.is_integer():
        return "expected whole seconds, got a fraction"
    if value > UNIX_MAX and UNIX_MIN <= value / 1000 <= UNIX_MAX * 100:
        return "looks like milliseconds; expected seconds"
    if not UNIX_MIN <= value <= UNIX_MAX:
        return f"outside the plausible range of Unix seconds ({UNIX_MIN}..{UNIX_MAX})"
    return None


@check("dates.unix-seconds", params=PATTERNS_SCHEMA)
def unix_seconds(ctx, exchange):
    return _judge_all(ctx, exchange, lambda value, fmt: unix_seconds_problem(value))


__all__ = ["ISO_UTC", "unix_seconds_problem", "walk"]
