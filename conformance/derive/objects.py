"""A format a document defines by tables of its objects' fields: one table per object, under a heading that names it
("ErrorResponse : Object"), a row per field with its type ("String", "Error[]", another object's name) and a
"Required" column that marks the fields every instance has. Where such tables define the error body, they are its
format: the error envelope rule takes their schema, and the sentences that state the same structure ("This object
MUST contain name/value pairs with the names "code" and "message"") are checked by it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .normative import required_row
from .reader import Sentence
from .reasons import about_documentation

if TYPE_CHECKING:
    from .mapping import Derivation

OBJECT_HEADING = re.compile(r"^([A-Za-z][\w]*)\s*(?::\s*)?(?:object|type|model|schema)?$", re.I)
TYPES = {"string": "string", "str": "string", "number": "number", "float": "number", "double": "number",
         "integer": "integer", "int": "integer", "int32": "integer", "int64": "integer", "long": "integer",
         "boolean": "boolean", "bool": "boolean", "object": "object", "array": "array"}
# A sentence that states the structure of a body: what it must have or contain, or be.
STRUCTURE = re.compile(r"\b(?:must|shall)\s+(?:have|contain|include|be an? (?:(?:single )?json )?(?:array|object|"
                       r"string))\b", re.I)


def object_tables(d: Derivation) -> dict[str, list[Sentence]]:
    """Object name -> the rows of its table of fields (a table with a field column and a type column)."""
    tables: dict[str, list[Sentence]] = {}
    for s in d.document.sentences:
        heading = OBJECT_HEADING.match(s.section.strip())
        header = [h.strip().lower() for h in s.header]
        if not s.row or heading is None or len(header) < 2 or "type" not in header:
            continue
        if header[0] not in ("property", "field", "name", "attribute", "member", "key"):
            continue
        tables.setdefault(heading.group(1), []).append(s)
    return tables


def _type(text: str, tables: dict[str, list[Sentence]], seen: tuple[str, ...]) -> dict[str, Any]:
    name = re.sub(r"\s*\(.*\)$", "", text.strip().strip("`"))
    if name.endswith("[]"):
        items = _type(name[:-2], tables, seen)
        return {"type": "array", **({"items": items} if items else {})}
    if name in tables:
        return schema_of(name, tables, seen) if name not in seen else {"type": "object"}
    kind = TYPES.get(name.lower())
    return {"type": kind} if kind else {}


def schema_of(name: str, tables: dict[str, list[Sentence]], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON Schema an object's table defines: its fields with their types, the marked ones required."""
    rows = tables[name]
    column = [h.strip().lower() for h in rows[0].header].index("type")
    schema: dict[str, Any] = {"type": "object", "required": [], "properties": {}}
    for row in rows:
        field = row.row[0].strip().strip("`")
        if not re.fullmatch(r"[@$]?[A-Za-z_][\w.-]*", field):
            continue
        schema["properties"][field] = _type(row.row[column] if column < len(row.row) else "", tables, (*seen, name))
        if required_row(row):
            schema["required"].append(field)
    return schema


def error_tables(d: Derivation) -> None:
    """Where the document promises an error body and tables of objects define it, the envelope rule takes their
    schema; the required rows and the sentences of the rule's section that state the same structure are checked by
    it."""
    rule = d.rules.get("errors.envelope")
    tables = object_tables(d)
    errors = [name for name in tables if "error" in name.lower()]
    if rule is None or rule.params.get("schema") or not errors:
        return
    referenced = {re.sub(r"\[\]$", "", r.row[[h.strip().lower() for h in r.header].index("type")].strip().strip("`"))
                  for name in errors for r in tables[name]}
    roots = [name for name in errors if name not in referenced]
    if len(roots) != 1:
        return  # no one table is the body: leave the format to the sentences
    schema = schema_of(roots[0], tables)
    rule.params = {"schema": schema}
    rule.trigger += f"; its fields from the document's tables of objects ({', '.join(errors)})"
    names = _names(schema)
    for row in (r for name in errors for r in tables[name] if required_row(r)):
        d.add("errors.envelope", row, "a required field of the error body's table")
    for s in d.document.sentences:
        quoted = set(re.findall(r"[\"“`]([A-Za-z_@$][\w.-]*?)[.,]?[\"”`]", s.marked))
        if s.section == rule.section and s.index in d.normative and STRUCTURE.search(s.text) and quoted <= names \
                and not about_documentation(s.text):
            d.add("errors.envelope", s, "the structure of the error body it states")


def _names(schema: dict[str, Any]) -> set[str]:
    found = set(schema.get("properties", {}))
    for value in schema.get("properties", {}).values():
        found |= _names(value) | _names(value.get("items", {}))
    return found
