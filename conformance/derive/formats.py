"""The formats a document defines: its error body, its page, its CORS answer, by sentence or by example.

A sentence that names the fields of a format defines it (its names bind); where a document promises a format and
only its example shows it, the example's structure binds (basis example-structure); a value an example shows is
advice at most (basis example-value), and only where a check takes that value.
"""

from __future__ import annotations

import re
from typing import Any

from ..rules.pagination import DEFAULT_FIELDS
from .examples import header_values, integer_field, keys, status_line, structure
from .mapping import BODY_METHODS, MUST, SHOULD, Derivation, _has
from .reader import Example, Sentence
from .reasons import about_documentation
from .templates import binding

# A field a sentence names and says nothing else of: present, and not empty, whatever its type.
NON_EMPTY = {"type": ["array", "string", "object"], "minItems": 1, "minLength": 1, "minProperties": 1}
ERROR = r"\berrors?\b"
FORMAT_PROMISE = (r"\b(?:common|following|same|this|standard) format\b|\bformat\b.*\bexample\b|\blooks? like\b|"
                  r"\b(?:consistent|structured|uniform)\b[^.]*\b(?:bod(?:y|ies)|format|responses?)\b")


def _json_examples(d: Derivation, section: str) -> list[tuple[Example, Any]]:
    return [(e, e.json) for e in d.document.examples if e.section == section and e.json is not None]


def _error_example(d: Derivation) -> tuple[Example, Any] | None:
    for s in d.document.sentences:
        if _has(ERROR, s.text + " " + s.section):
            for example, body in _json_examples(d, s.section):
                if isinstance(body, dict):
                    return example, body
    return None


def _named(key: str, text: str) -> re.Match[str] | None:
    return re.search(rf"\b(?:list of|the|an?) {re.escape(key)} (?:indicates?|is|are|contains?|holds?|gives?|lists?|"
                     rf"says?|identifies)\b|\blist of {re.escape(key)}\b", text, re.I)


def error_format(d: Derivation) -> None:
    found = _error_example(d)
    # (a sentence that asks to document the errors, and does not state their format, is no format a run checks)
    sentences = [s for s in d.document.sentences
                 if _has(ERROR, s.text) and not s.row and not about_documentation(s.text)]
    schema: dict[str, Any] = {"type": "object", "required": [], "properties": {}}
    defining: list[Sentence] = []
    named: set[str] = set()
    if found:
        example, body = found
        for s in sentences:
            for key, value in body.items():
                match = _named(key, s.text)
                if not match or key in named:
                    continue
                named.add(key)
                defining.append(s)
                schema["required"].append(key)
                prop: dict[str, Any] = dict(NON_EMPTY)
                if match.group(0).lower().startswith("list of") and isinstance(value, list):
                    prop = {"type": "array", "minItems": 1}
                    items = value[0] if value and isinstance(value[0], dict) else None
                    each = [t for t in d.document.sentences if t.section == s.section and not t.row
                            and _has(r"\beach \w+ (?:has|contains|includes)\b", t.text)]
                    item_keys = [k for k in (items or {}) for t in each if re.search(rf"\b{re.escape(k)}\b", t.text)]
                    if item_keys:
                        prop["items"] = {"type": "object", "required": list(dict.fromkeys(item_keys))}
                        named |= set(item_keys)
                        defining += [t for t in each if t not in defining]
                schema["properties"][key] = prop
    if defining:
        first = defining[0]
        d.add("errors.envelope", first, f"the fields it names: {', '.join(sorted(named))}", stronger=True)
        d.rules["errors.envelope"].params = {"schema": schema}
        for s in defining[1:]:
            d.add("errors.envelope", s, "the fields it names")
        for s in sentences:  # an error body in a format of named fields is JSON: those sentences are checked too
            if _has(r"\bjson\b", s.text) and _has(r"\b(?:body|response)\b", s.text):
                d.add("errors.envelope", s, "an error with a JSON body")
    else:
        for s in sentences:
            if _has(r"\bjson\b", s.text) and _has(r"\b(?:body|response)\b", s.text):
                d.add("errors.envelope", s, "an error with a JSON body", params={"schema": {}})
    if found:
        example, body = found
        promise = next((s for s in sentences if s.section == example.section and _has(FORMAT_PROMISE, s.text)), None)
        if promise is not None and not keys(body) <= named:
            schema = structure(body, error=True)
            optional = optional_keys(d, example.section, body)
            schema["required"] = [k for k in schema["required"] if k not in optional]
            d.add("errors.envelope-example", promise, "a format the document promises, which only its example defines",
                  basis="example-structure", check="errors.envelope", params={"schema": schema})
            binding(promise, d.normative.get(promise.index), d)
            for s in sentences:  # a sentence of the section that names the example's fields is checked by it too
                if s.section == example.section and s is not promise and set(s.codes) & set(body):
                    binding(s, d.normative.get(s.index), d)
                    d.add("errors.envelope-example", s, "the fields of the example it names")
        values(d, example, body)
    for rule_id in ("errors.envelope", "errors.envelope-example"):
        if rule_id in d.rules and "server-errors.no-5xx" not in d.rules:
            rule = d.rules[rule_id]
            source = next(s for s in d.document.sentences if s.text == rule.quote)
            d.add("server-errors.no-5xx", source, "the document describes its errors (a 5xx is the server failing)")


def optional_keys(d: Derivation, section: str, body: Any) -> set[str]:
    """The fields of an example that its section's sentences call optional ("optionally a `url`", "`url` (optional)",
    "`url` is optional"): the example shows them, but an error may leave them out."""
    found = set()
    for s in d.document.sentences:
        if s.section != section:
            continue
        for key in body:
            name = re.escape(key)
            if re.search(rf"\boptional(?:ly)?\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,2}}`{name}`|`{name}`\s*(?:\(optional\)|"
                         rf"is optional|may be (?:omitted|left out|absent))", s.marked, re.I):
                found.add(key)
    return found


def values(d: Derivation, example: Example, body: Any) -> None:
    """A value an error example shows that a check takes: the status and code of a body that is not JSON."""
    if not _has(r"json pars\w*|malformed json|invalid json", example.text):
        return
    params = {k: v for k, v in (("status", status_line(example.text)),
                                ("code", integer_field(body, "code"))) if v is not None}
    lines = [ln.strip().rstrip(",") for ln in example.text.splitlines()
             if _has(r"json pars|malformed|invalid json|\"code\"", ln)]
    d.add("errors.malformed-json", None, "a value of the document's example", severity=SHOULD, basis="example-value",
          params=params, applies_to={"methods": BODY_METHODS}, quote=", ".join(lines), section=example.section)


def pagination(d: Derivation) -> None:
    for s in d.document.sentences:
        if not _has(r"\bpaginat\w+", s.text):
            continue
        for example, body in _json_examples(d, s.section):
            if not isinstance(body, dict):
                continue
            if set(DEFAULT_FIELDS) <= set(body):
                promise = next((t for t in d.document.sentences if t.section == s.section and
                                _has(r"\bpaginat\w+ \w+ (?:include|contain|have|return)", t.text)), s)
                for rule_id in ("pagination.fields", "pagination.page-arithmetic", "pagination.links"):
                    d.add(rule_id, promise, "a page format the document promises, which only its example defines",
                          basis="example-structure")
            else:
                d.unmapped.append({"sentence": s, "kind": "no-check", "why": "The example page's fields ("
                                   f"{', '.join(sorted(body))}) are not a page format the pagination checks know."})
        for t in d.document.sentences:
            if t.section != s.section:
                continue
            param = re.search(r"`?([\w-]+)`? (?:query )?parameter", t.marked.replace("`", ""))
            if param and _has(r"\bpages?\b", t.text) and _has(r"\b(?:passing|pass|using|with)\b", t.text):
                params = {} if param.group(1) == "page" else {"page_param": param.group(1)}
                d.add("pagination.no-duplicates", t, f"pages by the {param.group(1)} parameter", params=params)
        return


def cors_values(d: Derivation) -> None:
    for example in d.document.examples:
        if not _has(r"cors|cross[- ]origin", example.section + " " + example.text):
            continue
        for name, value in header_values(example.text).items():
            if name.lower() == "access-control-max-age" and value.isdigit():
                d.add("cors.max-age", None, "a value of the document's example", severity=SHOULD,
                      basis="example-value", params={"value": int(value)}, quote=f"{name}: {value}",
                      section=example.section)


def client_headers(d: Derivation) -> None:
    """What the run sends with every request: what the document asks of clients, else the media type it promises."""
    if "Accept" in d.request_headers:
        return
    asked = example_accept(d)
    if asked is not None:
        d.request_headers["Accept"] = asked
        return
    rule = d.rules.get("content-type.json-response")
    if rule:
        d.request_headers["Accept"] = (rule.params["media_types"][0], f"the media type the document promises "
                                       f"(\"{rule.quote}\")")


def example_accept(d: Derivation) -> tuple[str, str] | None:
    """The Accept header a document asks clients to send (a version, a custom media type) where only its example
    gives the value ("using the `Accept` header with a custom content type, e.g.: Accept: application/vnd...")."""
    for s in d.document.sentences:
        if s.index not in d.normative or not re.search(r"`Accepts?`|\bAccepts? header\b", s.marked) \
                or not _has(r"\bversion|\bcustom (?:content|media) type|\bmedia type|\bvendor", s.text + " " + s.section):
            continue
        for example in d.document.examples:
            shown = re.search(r"^\s*Accept:\s*(\S.*?)\s*$", example.text, re.M) if example.section == s.section else None
            if shown:
                return shown.group(1), (f"only the document's example gives this value (section {s.section}: "
                                        f"\"{shown.group(0).strip()}\"), for \"{s.text}\"; override it in request_headers")
    return None


__all__ = ["MUST", "NON_EMPTY", "client_headers", "cors_values", "error_format", "example_accept", "pagination"]
