"""What an example of a document defines: the structure of a JSON body (its fields and their types) and the values
it shows. The structure of an example binds only where no sentence defines the format; its values never do."""

from __future__ import annotations

import re
from typing import Any

from ..rules.pagination import json_type  # (one JSON type name for the checks and for derive)

# A boolean field of an error body whose name says the request succeeded states, by its name, that it did not.
SUCCESS_NAMES = {"success", "successful", "succeeded", "ok"}




def structure(value: Any, *, error: bool = False, name: str = "") -> dict[str, Any]:
    """The JSON Schema of an example's structure: every field required, each with its type; a list that shows items
    holds at least one, of the type of its first; values are left out (an error's success flag is what its name says)."""
    kind = json_type(value)
    if kind == "boolean" and error and name.lower() in SUCCESS_NAMES:
        return {"const": False}
    if kind == "object":
        return {"type": "object", "required": list(value),
                "properties": {key: structure(item, error=error, name=key) for key, item in value.items()}}
    if kind == "array":
        schema: dict[str, Any] = {"type": "array"}
        if value:
            schema["minItems"] = 1
            schema["items"] = structure(value[0], error=error)
        return schema
    return {"type": kind}


def header_values(text: str) -> dict[str, str]:
    """The header lines of an example (``Name: value``), by their name as written."""
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\s*([A-Za-z][\w-]*):\s*(.+)$", text, re.M)}


def status_line(text: str) -> int | None:
    found = re.search(r"^\s*HTTP/[\d.]+\s+([1-5]\d\d)\b", text, re.M)
    return int(found.group(1)) if found else None


def keys(value: Any) -> set[str]:
    """Every field name an example body shows, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys(item)}
    return set()


def integer_field(value: Any, name: str) -> int | None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == name and isinstance(item, int) and not isinstance(item, bool):
                return item
            found = integer_field(item, name)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = integer_field(item, name)
            if found is not None:
                return found
    return None
