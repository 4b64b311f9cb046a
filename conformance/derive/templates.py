"""The sentences the template rules rest on: a header every response carries, ETags and conditional requests, Range
pages, lower-case paths and attribute names, minified JSON. Like mapping.py, each mapping draws only what the words
say, with the params the sentence gives (header names, the separator, the statuses and methods it limits itself to).

A style guide states its rules as imperatives ("Include a Request-Id header in each API response") or as advice ("It
is best to keep JSON responses minified"): where a template mapping matches such a sentence, it binds, and it is
listed among the document's normative sentences with the words that made it so.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .mapping import Derivation, _has, _methods, _methods_for
from .normative import MUST, SHOULD, Normative, classify, required_row
from .reader import HTTP_METHODS, Sentence

IMPERATIVE = re.compile(r"^(?:always |please )?(include|use|return|keep|provide|send|add|set|support|respond|"
                        r"downcase|paginate|generate|divide|make)\b", re.I)
ADVICE = re.compile(r"\b(?:it is best to|it's best to|preferably)\b", re.I)
NEGATED = r"\b(?:must not|should not|shall not|never|do not|don't|not required|optional(?:ly)?)\b"
MAYBE = r"\b(?:may|might|can|could)\b"  # a header a response may carry is no promise that every one does
# Headers another rule judges (or no response carries for every request): never drawn as headers.required.
OTHER_HEADERS = {"accept", "allow", "authorization", "cache-control", "content-length", "content-range", "content-type",
                 "etag", "if-modified-since", "if-none-match", "last-modified", "location", "next-range", "origin",
                 "range", "retry-after", "vary", "www-authenticate"}
HEADER_NAME = r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"


def binding(s: Sentence, n: Normative | None, d: Derivation, stated: str = "") -> Normative | None:
    """How a sentence a template mapping matched binds: its wording (normative.py), else an imperative, advice, or
    the words by which it states the convention (``stated``: "every response includes", "paths are lower-case");
    a sentence that binds only so is added to the document's normative sentences."""
    if n is not None or s.row:
        return n
    found = IMPERATIVE.match(s.text)
    advice = ADVICE.search(s.text)
    if found:
        n = Normative(MUST, f'an imperative "{found.group(1)}"')
    elif advice:
        n = Normative(SHOULD, f'"{advice.group(0)}"')
    elif stated:
        n = Normative(MUST, f'"{stated}"')
    if n is not None:
        d.normative[s.index] = n
    return n


def header_table(s: Sentence) -> bool:
    """A row of a table whose first column is header names: so headed ("Header", "Response Header", "Header name"),
    or headed "Name" in a section about headers ("Response headers")."""
    if not (s.row and s.header):
        return False
    return bool(_has(r"\bheaders?\b", s.header[0]) or (
        _has(r"^(?:names?|fields?)$", s.header[0].strip()) and _has(r"\bheaders?\b", s.section)))


def _usable(names: list[str]) -> list[str]:
    return [name for name in dict.fromkeys(names)
            if name.lower() not in OTHER_HEADERS and not name.lower().startswith("access-control-")
            and name.upper() not in HTTP_METHODS]


def header_names(s: Sentence) -> list[str]:
    """The header names a sentence gives: in backticks or dash-joined (X-Request-Id) just before "header(s)", a
    word of two capitals just before it (ETag header), or a name just after it (the header `X-Trace`). A row of a
    table of headers names its own in its first cell ("Date", "If-Match, If-None-Match"), and only those."""
    if header_table(s):
        cells = [c.strip().strip("`") for c in re.split(r",|/|\s+(?:and|or)\s+", s.row[0])]
        return _usable([c for c in cells if re.fullmatch(HEADER_NAME, c)])
    text, found = s.marked, []
    for mark in re.finditer(r"\bheaders?\b", text, re.I):
        before = re.split(r"[;:.(]", text[:mark.start()])[-1][-70:]
        for code, word in re.findall(rf"`({HEADER_NAME})`|\b({HEADER_NAME})\b", before):
            last = before.rstrip().rstrip("`").endswith(word) if word else False
            if code or ("-" in word and word[0].isupper()) or (last and sum(c.isupper() for c in word) >= 2):
                found.append(code or word)
        after = re.match(rf"\s*(?:named |called )?(?:`({HEADER_NAME})`|([A-Z][\w]*-{HEADER_NAME}))", text[mark.end():])
        if after:
            found.append(after.group(1) or after.group(2))
    return _usable(found)


def _scope(text: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    codes = re.findall(r"\b([1-5]\d\d|[1-5]xx)\b(?= (?:and |or |, )*(?:[1-5]\d\d |[1-5]xx )*(?:responses?|answers?))",
                       text, re.I)
    if codes:
        params["statuses"] = [int(c) if c.isdigit() else c.lower() for c in codes]
    elif _has(r"\bsuccess(?:ful)? (?:responses?|answers?)\b", text):
        params["statuses"] = ["2xx"]
    elif _has(r"\berror (?:responses?|answers?)\b", text):
        params["statuses"] = ["4xx", "5xx"]
    methods_ = _methods_for(text) or _methods(" ".join(re.findall(r"\b([A-Z]+) (?:responses|requests)\b", text)))
    if methods_:
        params["methods"] = methods_
    return params


ALL_RESPONSES = r"\b(?:every|all|each|any)\b(?:\s+[\w-]+){0,3}?\s+(?:responses?|answers?)\b"
EVERY_RESPONSE = ALL_RESPONSES + r"|\bresponses?\b[^.]*\b(?:always|must|will|shall)\b"
# what a row of a table of headers says of its header: "All responses", "MUST be included in the response"
IN_RESPONSES = (ALL_RESPONSES + r"|\b(?:must|shall|always|will)\b(?:\s+\w+){0,2}?\s+(?:included|present|returned|"
                r"sent|set|carried)\b(?:\s+\w+){0,3}?\s+(?:responses?|answers?)\b")


def _row_in_responses(s: Sentence) -> tuple[str, str] | None:
    """Where a row of a table of headers says its header is in every response: the words that say so and the cell
    or sentence of the row they are in (which says which responses). A cell ("All responses" in a "Required" column)
    or a sentence of its description ("This header MUST be included in the response") that neither denies it nor
    only allows it; else a row marked required (✔, yes) in a table of response headers."""
    pieces = [piece for cell in s.row[1:] for piece in re.split(r"(?<=[.!?])\s+", cell)]
    for piece in pieces:
        said = _has(IN_RESPONSES, piece)
        if said and not _has(NEGATED + r"|\bnot\b|" + MAYBE, piece):
            return said.group(0), piece
    if required_row(s) and _has(r"\bresponse\b", s.header[0] + " " + s.section):
        return "marked required in a table of response headers", ""
    return None


def required_headers(s: Sentence, n: Normative | None, d: Derivation) -> None:
    text = s.text
    if header_table(s):  # a row of a table of headers: its first cell names them, its cells say where they go
        found = _row_in_responses(s)
        if found is None:
            return
        words, text = found
    else:
        every = _has(EVERY_RESPONSE, text)
        if not every and _has(r"\bresponse headers?\b", text):
            every = _has(r"\b(?:every|all|each|any)\b(?:\s+[\w-]+){0,2}?\s+requests?\b", text)
        if not every or _has(NEGATED + "|" + MAYBE, text) or not _has(r"\bheaders?\b", text):
            return
        words = every.group(0)
    names = header_names(s)
    bound = binding(s, n, d, words) if names else None
    if bound is None:
        return
    for name in names:
        d.add("headers." + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"), s, f"{name}, {words}",
              severity=bound.severity, check="headers.required", params={"headers": [name], **_scope(text)})


def _section_sentence(d: Derivation, section: str, pattern: str) -> Sentence | None:
    return next((t for t in d.document.sentences if t.section == section and not t.row and _has(pattern, t.text)), None)


def conditional(s: Sentence, n: Normative | None, d: Derivation) -> None:
    """An ETag on every answer to GET; where the section says clients send it back (If-None-Match, 304), the
    conditional GET answers 304; Last-Modified too where the section names it."""
    etag = _has(r"\bETags?\b", s.text)
    if "conditional.etag" in d.rules:  # a later sentence about it (the request it serves) is checked by it too
        if (etag or _has(r"If-None-Match|If-Modified-Since|\b304\b", s.text)) and not _has(NEGATED, s.text):
            d.add("conditional.etag", s, "the conditional request the ETag serves")
        return
    carried = _has(r"\b(?:header|responses?|include|return|send|carr|support)", s.text)
    if etag is None or not carried or _has(NEGATED + "|" + MAYBE, s.text):
        return
    every = _has(r"\b(?:every|all|each)\b(?:\s+[\w-]+){0,3}?\s+(?:responses?|answers?|resources?)\b", s.text)
    bound = binding(s, n, d, every.group(0) if every else "")
    if bound is None:
        return
    section = " ".join(t.text for t in d.document.sentences if t.section == s.section) + " " + s.section
    params: dict[str, Any] = {}
    if not _has(r"If-None-Match|\b304\b|not modified|conditional", section):
        params["revalidate"] = False
    if _has(r"Last-Modified|If-Modified-Since", section):
        params["last_modified"] = True
    d.add("conditional.etag", s, etag.group(0), severity=bound.severity, params=params,
          applies_to={"methods": ["GET"]})


def range_pages(s: Sentence, n: Normative | None, d: Derivation) -> None:
    words = _has(r"\b(?:Content-Range|Next-Range)\b|`Range`|\bRange:? headers?\b", s.marked)
    if words is None or not _has(r"paginat|\bpages?\b|\bparts?\b|large responses|broken across|more data|"
                                 r"multiple requests|\blists?\b|collections?", s.text + " " + s.section):
        return
    bound = binding(s, n, d)
    if bound is None or _has(NEGATED, s.text):
        return
    params: dict[str, Any] = {}
    shown = [re.search(r"\bRange:\s*([A-Za-z_]\w*)\s*\.\.", e.text) for e in d.document.examples
             if e.section == s.section]
    unit = next((m.group(1) for m in shown if m), None)
    if unit and unit != "id":
        params["unit"] = unit
    d.add("pagination.range", s, words.group(0).strip("`"), severity=bound.severity, params=params,
          applies_to={"methods": ["GET"]})


CASE = r"\b(?:down-?cas\w*|lower[- ]?cas\w*|snake[_ ]case|kebab[- ]case|spinal[- ]case)\b"


def lower_case(s: Sentence, n: Normative | None, d: Derivation) -> None:
    """Downcased paths and attribute names, each with the separator its clause names."""
    if not _has(CASE, s.text) or _has(r"\bcamel", s.text) or _has(NEGATED, s.text):
        return
    stated = _has(rf"\b(?:are|is)\b(?:\s+[\w-]+){{0,2}}?\s+{CASE}", s.text)
    bound = binding(s, n, d, stated.group(0) if stated else "")
    if bound is None:
        return

    def separator_of(text: str) -> str | None:
        dash, underscore = _has(r"\b(?:dash|hyphen|kebab|spinal)", text), _has(r"\b(?:underscore|snake)", text)
        return None if bool(dash) == bool(underscore) else "-" if dash else "_"

    clauses = re.split(r";|,\s*(?:and|while|whereas)\b|\bbut\b|\.\s", s.text)
    for rule_id, pattern in (("naming.lower-case-paths", r"\b(?:paths?|urls?|uris?|endpoints?|routes?|resource names)\b"),
                             ("naming.lower-case-attributes", r"\b(?:attributes?|fields?|propert(?:y|ies)|keys?)\b")):
        named = [c for c in clauses if _has(pattern, c)]
        if not named:
            continue
        # the separator the clauses naming the target give, else the sentence's where every clause names it
        separator = next((sep for sep in map(separator_of, named) if sep), None) or (
            separator_of(s.text) if len(named) == len(clauses) else None)
        d.add(rule_id, s, f"{_has(CASE, s.text).group(0)} {_has(pattern, named[0]).group(0)}",
              severity=bound.severity, params={"separator": separator})


MINIFIED = r"\bminif\w+|\bno (?:extra |insignificant )?whitespace\b|\bnot pretty[- ]?print\w*|\bcompact json\b"


def minified(s: Sentence, n: Normative | None, d: Derivation) -> None:
    """Minified JSON bodies; the section's sentences about the whitespace it saves are checked by the same rule."""
    if not _has(r"\bjson\b", s.text + " " + s.section):
        return
    words = _has(MINIFIED, s.text)
    if words is None and _has(r"\bwhitespace\b|prettif|pretty[- ]?print", s.text) and s.index in d.normative:
        promise = _section_sentence(d, s.section, MINIFIED)  # the promise this sentence gives the reason for
        if promise is not None:
            minified(promise, d.normative.get(promise.index) or classify(promise), d)
        if "content-type.minified-json" in d.rules:
            d.add("content-type.minified-json", s, "the whitespace minified JSON leaves out")
        return
    if words is None or _has(NEGATED, s.text):
        return
    stated = _has(r"\b(?:is|are)\s+(?:always\s+)?minified\b", s.text)
    bound = binding(s, n, d, stated.group(0) if stated else "")
    if bound is not None:
        d.add("content-type.minified-json", s, words.group(0), severity=bound.severity)


TEMPLATE_MAPPINGS: tuple[Callable[[Sentence, Normative | None, Derivation], None], ...] = (
    required_headers, conditional, range_pages, lower_case, minified)
