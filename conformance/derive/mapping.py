"""From the sentences of a document to rules of existing checks, with their params read off the document.

Each mapping is a pattern of words and a rule (or a way a client talks to the API) it draws; it keeps the words
that matched, so a reviewer sees why. A mapping draws only what the words say: a sentence that fits no mapping is
left unmapped with a reason, never guessed at. Where a value comes from HTTP rather than the document (401 for a
request without credentials) the rule says nothing and the check's default, which is HTTP's, stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .normative import MUST, SHOULD, Normative, classify, imperative_style, method_table, status_table
from .reader import HTTP_METHODS, Document, Example, Sentence

WRITES = ["POST", "PUT", "PATCH", "DELETE"]
BODY_METHODS = ["PATCH", "POST", "PUT"]
CREDENTIAL = r"token|credential|authenticat|password|api[ -]?key|secret"


@dataclass
class Draft:
    id: str
    severity: str
    basis: str
    quote: str
    section: str
    trigger: str
    params: dict[str, Any] = field(default_factory=dict)
    applies_to: dict[str, Any] = field(default_factory=dict)
    check: str = ""


@dataclass
class Derivation:
    document: Document
    rules: dict[str, Draft] = field(default_factory=dict)
    checked: dict[int, list[str]] = field(default_factory=dict)  # sentence index -> the rules that check it
    normative: dict[int, Normative] = field(default_factory=dict)
    channels: list[dict[str, Any]] = field(default_factory=list)
    scheme: str = ""
    protects: str = ""
    only_channels: bool = False  # the document says its channels are the only ones
    request_headers: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value, where from)
    unmapped: list[dict[str, Any]] = field(default_factory=list)

    def add(self, rule_id: str, sentence: Sentence | None, trigger: str, *, severity: str = MUST, basis: str = "sentence",
            params: dict[str, Any] | None = None, applies_to: dict[str, Any] | None = None, check: str = "",
            quote: str = "", section: str = "", stronger: bool = False) -> None:
        """Draw a rule; a rule already drawn keeps its first sentence (the later one is checked by it too), unless
        the later one says more (``stronger``)."""
        if sentence is not None:
            ids = self.checked.setdefault(sentence.index, [])
            if rule_id not in ids:
                ids.append(rule_id)
        if rule_id in self.rules and not stronger:
            return
        self.rules[rule_id] = Draft(rule_id, severity, basis, quote or (sentence.text if sentence else ""),
                                    section or (sentence.section if sentence else ""), trigger, params or {},
                                    applies_to or {}, check)


def _has(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(pattern, text, re.I)


def _severity(normative: Normative | None) -> str:
    return normative.severity if normative else MUST


def _methods(text: str) -> list[str]:
    return [m for m in HTTP_METHODS if re.search(rf"\b{m}\b", text)]


def _methods_for(clause: str) -> list[str]:
    """The methods a clause limits itself to ("for GET requests", "for all POST, PUT requests"), not those an
    example names ("e.g. GET /users?token=...") or that it merely mentions ("especially when making POST requests")."""
    listed = re.search(r"\bfor (?:all )?((?:`?(?:%s)`?(?:,\s*|\s+(?:and|or)\s+)?)+)" % "|".join(HTTP_METHODS), clause)
    return _methods(listed.group(1)) if listed else []


def _names(sentence: Sentence) -> list[str]:
    """The names a sentence sets apart: code spans that are identifiers (not methods, paths or media types)."""
    return [c for c in sentence.codes if re.fullmatch(r"[A-Za-z_][\w-]*", c) and c.upper() not in HTTP_METHODS]


def _media_types(text: str) -> list[str]:
    found = [f.rstrip(".") for f in re.findall(r"\b((?:application|text)/[\w.+-]+)", text)]
    return list(dict.fromkeys(found)) or (["application/json"] if re.search(r"\bJSON\b", text) else [])


def _auth_status(d: Derivation) -> dict[str, int]:
    """The status the document gives a refused credential: a row of its status table, else HTTP's (unsaid)."""
    for s in d.document.sentences:
        if status_table(s) and s.row[0].strip() == "401":
            return {"status": 401}
    return {}


# -- authentication -----------------------------------------------------------------------------------
def auth_required(s: Sentence, n: Normative | None, d: Derivation) -> None:
    words = _has(r"\b(?:are|be|is) authenticated\b|\brequires? (?:\w+ )?authentication\b|\bneeds? to "
                 r"(?:be )?authenticat\w*|\bmust (?:be )?authenticat\w*", s.text)
    if not words or n is None:
        return
    partial = _has(r"\b(some|most|certain|may)\b", s.text)
    d.protects = "declared" if partial or d.protects == "declared" else "all"
    for rule_id in ("auth.missing-credentials", "auth.invalid-credentials"):
        d.add(rule_id, s, words.group(0), severity=MUST, params=_auth_status(d))


def _clauses(text: str) -> list[str]:
    return [c for c in re.split(r";|\band (?=for\b)", text) if c.strip()]


def auth_channels(s: Sentence, n: Normative | None, d: Derivation) -> None:
    if not _has(CREDENTIAL, s.text) or s.row:
        return
    drawn = []
    for clause in _clauses(s.marked):
        piece = Sentence(s.section, clause.replace("`", ""), clause, s.index)
        header = re.search(r"(?:`([A-Za-z][\w-]*)`|\b([A-Z][A-Za-z]*(?:-[A-Za-z]+)*))\s+header", clause)
        methods = _methods_for(clause)
        if header and (header.group(1) or header.group(2)).lower() not in {"content-type", "accept", "origin"} \
                and not (header.group(1) or header.group(2)).lower().startswith("access-control-"):
            name = header.group(1) or header.group(2)
            name = name[0].upper() + name[1:]
            if _has(r"username and password|\bbasic\b", clause):
                channel, d.scheme = {"in": "header", "name": name, "format": "Basic {basic}"}, "basic"
            elif _has(r"\bbearer\b", clause):
                channel = {"in": "header", "name": name, "format": "Bearer {token}"}
            else:
                channel = {"in": "header", "name": name, "format": "{token}"}
            drawn.append((channel, f"the {name} header"))
            continue
        where = _has(r"query (?:parameter|string)|request (?:body|payload)|inside (?:the )?(?:request )?body|"
                     r"form parameter", clause)
        if not where:
            continue
        names = _names(piece) or _names_after(s, d)
        if not names:
            continue
        if where.group(0).lower().startswith("query"):
            channel = {"in": "query", "name": names[0]}
            if methods:
                channel["methods"] = methods + (["HEAD"] if "GET" in methods and "HEAD" not in methods else [])
        else:  # a body travels with the methods that carry one
            channel = {"in": "body", "name": names[0], "methods": methods if methods and "GET" not in methods else WRITES}
        drawn.append((channel, where.group(0)))
    for channel, words in drawn:
        if not any(c["in"] == channel["in"] and c["name"] == channel["name"] for c in d.channels):
            d.channels.append(channel)
        d.add("auth.valid-credentials", s, words)
        if channel.get("format") == "Basic {basic}":
            d.add("auth.challenge", s, "username and password (HTTP Basic)", params={"scheme": "Basic"})
    only = _has(r"\bonly way\b|\bnot supported\b|\bonly\b.*\bsupported\b", s.text)
    if only and _has(r"authenticat", s.text) and n is not None:
        d.only_channels = True
        d.add("auth.unsupported-channel", s, only.group(0), params=_auth_status(d))


def _names_after(s: Sentence, d: Derivation) -> list[str]:
    """A channel whose name the next sentence of its section gives ("The form parameter is `api_token`")."""
    following = [t for t in d.document.sentences if t.index == s.index + 1 and t.section == s.section]
    if following and _has(r"\b(?:parameter|field|key|name) is\b", following[0].text):
        return _names(following[0])
    return []


def status_rows(s: Sentence, n: Normative | None, d: Derivation) -> None:
    if not status_table(s):
        return
    code, words = int(s.row[0]), " | ".join(s.row)
    severity = _severity(n)  # a row binds as its table does (a list of statuses a "should" leads in: should)
    if code == 401 and _has(r"token|credential|auth|unauthori[sz]ed|unauthenticated|password", words):
        for rule_id in ("auth.missing-credentials", "auth.invalid-credentials"):
            d.add(rule_id, s, "401", severity=severity, params={"status": 401})
    elif code == 403:
        d.add("auth.forbidden-credentials", s, "403", severity=severity,
              params={"status": 403, "refused_methods": WRITES})  # the run's forbidden token may read, not write
    elif code == 404:
        d.add("errors.not-found", s, "404", severity=severity, params={"status": 404})
    elif code in (400, 422) and _has(r"valid|malformed|missing|incorrect|bad request", words):
        d.add("errors.invalid-input", s, f"{code}", severity=severity, params={"status": code})
        if _has(r"malformed", words):
            d.add("errors.malformed-json", s, f"{code} (malformed)", severity=severity, params={"status": code},
                  applies_to={"methods": BODY_METHODS})
    elif code == 405:
        d.add("methods.not-allowed", s, "405", severity=severity)
    elif code == 201 and _has(r"creat", words):
        d.add("methods.create-status", s, "201", severity=severity, params={"status": 201},
              applies_to={"methods": ["POST"]})
    elif code == 500:
        d.add("server-errors.no-5xx", s, "500", severity=severity)


# -- representations ------------------------------------------------------------------------------------
def content_types(s: Sentence, n: Normative | None, d: Derivation) -> None:
    text = s.text
    accept = _has(r"\baccept\b header with (?:the )?value (?:of )?([\w.+-]+/[\w.+-]+)", text)
    if accept and _has(r"\byou\b|\bclients?\b", text):
        d.request_headers["Accept"] = (accept.group(1), f"the document asks it: \"{text}\"")
        d.add("content-type.json-response", s, accept.group(0), severity=_severity(n),
              params={"media_types": [accept.group(1)], "accept_variants": []})
        return
    if n is None and not _has(r"\bjson\b", text):
        return
    response = _has(r"\b(?:return|returns|get a response|json response|response bodies|responses? (?:should|must) "
                    r"have|and response|uses (?:the )?json(?: format)?$|json for (?:input and )?output|response "
                    r"format\b[^.]*\bapplication/json)\b", text.rstrip("."))
    # (a sentence that promises nothing, "This creates symmetry with JSON-serialized response bodies", draws nothing)
    if response and n is not None and _has(r"\bjson\b|application/", text) and not _has(r"\berrors?\b", text):
        d.add("content-type.json-response", s, response.group(0), severity=_severity(n),
              params={"media_types": _media_types(text) or ["application/json"]})
    request = _has(r"request bodies\b.*\b(?:json|application/)|json for input|\bexpect (?:and return )?json|"
                   r"\ball requests\b.*application/json", text)
    if request:
        d.add("content-type.json-request", s, request.group(0), severity=_severity(n),
              applies_to={"methods": sorted(set(_methods(text)) & set(BODY_METHODS)) or BODY_METHODS})
    utf8 = None if s.row else _has(r"\butf-?8\b", text)  # (a table row's "Default is UTF-8" describes a header)
    if utf8:
        d.add("content-type.utf8", s, utf8.group(0), severity=_severity(n))


DATE_WORDS = r"\b(?:dates?|times|timestamps?|date-?times?)\b"


def dates(s: Sentence, n: Normative | None, d: Derivation) -> None:
    if not _has(DATE_WORDS, s.text):
        return
    iso = _has(r"iso[- ]?8601", s.text)
    if iso and _has(r"\butc\b", s.text):
        d.add("dates.iso8601-utc", s, f"{iso.group(0)}, UTC", severity=_severity(n))
    elif n is not None and (iso or _has(r"\butc\b", s.text)):  # UTC said by one sentence, ISO 8601 by the next
        other = r"\butc\b" if iso else r"iso[- ]?8601"
        said = [t for t in d.document.in_order() if t.section == s.section and t is not s and _has(other, t.text)
                and _has(DATE_WORDS, t.text) and (t.heading or classify(t) is not None or t.index < s.index)]
        if said:
            d.add("dates.iso8601-utc", s, f"ISO 8601 and UTC, said together by the section ({said[0].text})",
                  severity=_severity(n))
    unix = _has(r"unix time ?stamp|unix time|epoch seconds", s.text)
    if unix:
        d.add("dates.unix-seconds", s, unix.group(0), severity=_severity(n))


def methods(s: Sentence, n: Normative | None, d: Derivation) -> None:
    text = s.text
    verb = s.row[0].strip().upper() if method_table(s) else ""
    if verb == "HEAD" and _has(r"same .*\bGET\b", text) and _has(r"\b(?:no|not|without)\b.*\bbody\b", text):
        d.add("methods.head", s, "same as GET, no body", applies_to={"methods": ["GET"]})
    put = verb == "PUT" and _has(r"full update|replac\w+", text)
    standard = _has(r"standard (?:CRUD|REST)\w*.*\bPUT\b", text) or (
        _has(r"\bPUT\b[^.]*\breplacement semantics\b", text) if n else None)
    if put or standard:
        d.add("methods.put-replaces", s, (put or standard).group(0), applies_to={"methods": ["PUT"]})
    partial = verb == "PATCH" and _has(r"partial update|only updating", text)
    if partial:
        d.add("methods.patch-partial", s, partial.group(0), applies_to={"methods": ["PATCH"]})
    delete = verb == "DELETE" and _has(r"delet\w+", text)
    if delete:
        d.add("methods.delete-removes", s, delete.group(0), applies_to={"methods": ["DELETE"]})


# -- CORS -----------------------------------------------------------------------------------------------
def cors(s: Sentence, n: Normative | None, d: Derivation) -> None:
    text = s.text
    echo = _has(r"\borigin\b.*\bechoed\b", text)
    if echo:
        d.add("cors.origin-echo", s, echo.group(0), severity=_severity(n))
        d.add("cors.vary-origin", s, "echoed (a response that varies by origin says Vary: Origin)", severity=SHOULD)
    wildcard = _has(r"\bwildcard\b|Access-Control-Allow-Origin: \*", text)
    if wildcard and n is not None:
        d.add("cors.wildcard-without-origin", s, wildcard.group(0))
    support = _has(r"\b(?:supports?|allows?)\b.*\b(?:CORS|cross[- ]origin)\b|\b(?:CORS|cross[- ]origin)\b.*\b(?:any "
                   r"origin|other domains|allows?)\b", text)
    if support and not _has(r"\bbrowsers?\b", text):
        d.add("cors.preflight", s, support.group(0))
        if not any(_has(r"\borigin\b.*\bechoed\b", t.text) for t in d.document.sentences):
            d.add("cors.allow-origin", s, support.group(0))
    preflight = _has(r"\bpreflight requests?\b[^.]*\b(?:must|shall|should)\b[^.]*\b(?:return|answer|respond)\w*\b[^.]*"
                     r"\b(?:200|2xx)\b", text)
    if preflight and n is not None:
        d.add("cors.preflight", s, preflight.group(0), severity=_severity(n))
    credentialed = _has(r"authenticated CORS|credentialed (?:CORS|requests)", text)
    if credentialed:
        d.add("cors.credentials-wildcard", s, credentialed.group(0))


# -- naming, the reference, rate limits, pagination --------------------------------------------------------
def naming(s: Sentence, n: Normative | None, d: Derivation) -> None:
    plural = _has(r"\b(?:resources|collections|resource names|endpoints) (?:are|must be|should be) plural|"
                  r"\buse the plural (?:version|form) of (?:a|the) resource names?\b", s.text)
    if plural and n is not None:
        # the singletons the sentence excepts by name ("unless ... a singleton (... /status)")
        excepted = re.findall(r"(?<![\w.])/([a-z][\w-]*)\b(?!/)", s.text) if _has(r"\bsingleton|\bunless\b|\bexcept",
                                                                                  s.text) else []
        params: dict[str, Any] = {"ignore_segments": excepted} if excepted else {}
        if _has(r"\bunless\b.*\bsingleton|\bsingletons? (?:are|is) (?:excepted|exempt)", s.text):
            params["singletons"] = True  # "unless the resource in question is a singleton": /me as well as /status
        d.add("naming.plural-resources", s, plural.group(0), severity=_severity(n), params=params)
    paths = re.findall(r"(/[\w/-]+)", s.text)
    if any(p.rstrip("/") + "/" in q and re.search(r"/\d+$", q) for p in paths for q in paths if p != q):
        d.add("naming.item-under-collection", s, "an example path of an item under its collection",
              severity=SHOULD, basis="example-value")


def reference(s: Sentence, n: Normative | None, d: Derivation) -> None:
    pointer = _has(r"\breference guide\b|\bAPI reference\b|complete list of the APIs|\bthe (?:API )?docs\b|"
                   r"\bAPIs docs\b|\blinks\b.*\b(?:resources|endpoints)\b", s.text)
    if pointer:
        d.add("schema.response-conformance", s, pointer.group(0))
        d.add("schema.status-documented", s, pointer.group(0), severity=SHOULD)
    statuses = _has(r"\b(?:return|use)s? the following status codes\b", s.text)
    if statuses:
        d.add("schema.status-documented", s, statuses.group(0), severity=SHOULD)
    marked = _has(r"require authentication\b.*\bmarked\b|\bmarked as (?:requiring|authenticated)", s.text)
    if marked:
        d.add("schema.security-documented", s, marked.group(0), severity=_severity(n))


def rate_limits(s: Sentence, n: Normative | None, d: Derivation) -> None:
    retry = _has(r"(?:how (?:much time|long)|when to retry|retry after).*\bheaders?\b", s.text)
    if retry and _has(r"rate|limit|429", s.section + " " + s.text):
        partial = _has(r"\bsome\b", s.text)
        d.add("rate-limit.retry-after", s, retry.group(0), severity=SHOULD if partial else _severity(n))


SENTENCE_MAPPINGS: tuple[Callable[[Sentence, Normative | None, Derivation], None], ...] = (
    auth_required, auth_channels, status_rows, content_types, dates, methods, cors, naming, reference, rate_limits)


def map_sentences(doc: Document, more: tuple[Callable[[Sentence, Normative | None, Derivation], None], ...] = ()
                  ) -> Derivation:
    """Every sentence through every mapping, in the document's order (``more``: the template mappings of
    templates.py, after these)."""
    d = Derivation(doc)
    imperative = imperative_style(doc)  # a style guide: its imperatives bind (normative.py)
    for sentence in doc.sentences:
        normative = classify(sentence, imperative=imperative)
        if normative is not None:
            d.normative[sentence.index] = normative
        for mapping in SENTENCE_MAPPINGS + more:
            mapping(sentence, normative, d)
    return d


def examples_of(doc: Document, section: str) -> list[Example]:
    return [e for e in doc.examples if e.section == section]
