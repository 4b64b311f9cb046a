"""Form bodies as an operation declares them: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

A form carries nested fields the way the media type's ``encoding`` says (OpenAPI 3, Encoding Object): by default
(style ``form``, exploded) an array repeats its name and an object's properties travel as fields of their own;
``deepObject`` nests with brackets, ``a[b][c]=v``, arrays indexed, ``a[0][price]=v``: the convention Stripe's API
reads, which its description declares for every nested field. Schemathesis hands a form to requests as a mapping,
which sends a nested object as its keys only; the builder encodes forms here instead. Pure functions; no HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode

from urllib3.fields import RequestField
from urllib3.filepost import encode_multipart_formdata

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class WrittenBody:
    """A request body as the operation declares it: its media type, schema, media type object and the
    media type's ``encoding`` (how a form carries its nested fields: Stripe's ``deepObject``)."""

    media_type: str
    schema: Any
    media: dict[str, Any]
    encoding: dict[str, Any]

    @property
    def is_json(self) -> bool:
        return "json" in self.media_type.lower()


def scalar(value: Any) -> str:
    """A form field's text: booleans as JSON writes them (``true``), numbers and strings as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def _deep(name: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _deep(f"{name}[{key}]", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _deep(f"{name}[{index}]", item)
    elif value is not None:
        yield name, scalar(value)


def form_pairs(fields: dict[str, Any], encoding: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The name=value pairs of a URL-encoded form, each field as its ``encoding`` entry says."""
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        how = (encoding or {}).get(name) or {}
        style = how.get("style", "form")
        explode = how.get("explode", style == "form")
        if value is None:
            continue
        if style == "deepObject":
            pairs += _deep(name, value)
        elif isinstance(value, list):
            if explode and style == "form":
                pairs += [(name, scalar(v)) for v in value]
            else:
                pairs.append((name, {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",").join(
                    scalar(v) for v in value)))
        elif isinstance(value, dict):
            if explode:
                pairs += [(key, scalar(v)) for key, v in value.items() if v is not None]
            else:
                pairs.append((name, ",".join(f"{k},{scalar(v)}" for k, v in value.items())))
        else:
            pairs.append((name, scalar(value)))
    return pairs


def encode_form(fields: dict[str, Any], encoding: dict[str, Any] | None = None) -> bytes:
    return urlencode(form_pairs(fields, encoding)).encode()


def encode_multipart(fields: dict[str, Any], schema: Any = None,
                     encoding: dict[str, Any] | None = None) -> tuple[bytes, str]:
    """A multipart body and its Content-Type (with the boundary). A part whose schema is binary travels as a
    file; an object or an array as JSON (OpenAPI's default for them), or in the ``contentType`` its encoding
    names; anything else as text."""
    properties = (schema or {}).get("properties") or {} if isinstance(schema, dict) else {}
    parts = []
    for name, value in fields.items():
        if value is None:
            continue
        prop = properties.get(name) if isinstance(properties.get(name), dict) else {}
        declared = ((encoding or {}).get(name) or {}).get("contentType")
        if isinstance(value, bytes) or prop.get("format") in ("binary", "byte") or prop.get("type") == "file":
            data = value if isinstance(value, bytes) else scalar(value).encode()
            part = RequestField(name, data, filename=f"{name}.bin")
            part.make_multipart(content_type=declared or "application/octet-stream")
        elif isinstance(value, (dict, list)):
            part = RequestField(name, json.dumps(value))
            part.make_multipart(content_type=declared or "application/json")
        else:
            part = RequestField(name, scalar(value))
            part.make_multipart(content_type=declared)
        parts.append(part)
    return encode_multipart_formdata(parts)


def decode_form(data: bytes | str | None) -> dict[str, Any] | None:
    """The top-level fields of a URL-encoded body (a repeated name keeps its last value; bracketed names are
    left out), or None when it is not one."""
    if not data:
        return None
    try:
        text = data.decode() if isinstance(data, bytes) else data
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: value for name, value in pairs if "[" not in name}


__all__ = ["FORM", "MULTIPART", "WrittenBody", "decode_form", "encode_form", "encode_multipart", "form_pairs", "scalar"]
