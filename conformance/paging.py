"""Paging helpers shared by the page-walk probe (sequences.py) and the pagination rules: pure functions of
a URL or an operation, that never raise whatever the API sends."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit


def page_of(url: Any, page_param: str = "page") -> int | None:
    """The page number a link points at, or None (not a URL, no page parameter, not a whole number)."""
    if not isinstance(url, str):
        return None
    try:
        values = parse_qs(urlsplit(url).query, keep_blank_values=True).get(page_param)
    except ValueError:
        return None
    if not values:
        return None
    text = values[-1].strip()
    if not text.isascii() or not text.isdigit():
        return None
    return int(text)


def without_query(url: Any) -> str | None:
    """The URL without its query and fragment, or None for a value that is not a URL string."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def url_path(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        return urlsplit(url).path.rstrip("/") or "/"
    except ValueError:
        return None


def query_parameters(operation: Any) -> dict[str, dict[str, Any]]:
    """The operation's query parameters by name (path-level ones included), $refs inlined."""
    try:
        return operation.query_parameters
    except Exception:  # an odd spec makes the operation not paginated, never a crash
        return {}


def page_param(params: dict[str, Any]) -> str:
    return str(params.get("page_param") or "page")
