"""Which sentences of a document bind, and how hard: by their modal and universal wording.

A sentence is normative when its words promise: a modal (must, shall, will, need to, required; should, recommend),
a universal (always, never, all/every/each ... , only, not supported), a present-tense statement of what the API
itself does ("The API returns ...", "<Name> represents ..."), or a row of a table of status codes or of methods
(a table is the document saying, row by row, what a status or a method means). The words that made it so are kept,
so a reviewer sees why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reader import HTTP_METHODS, Sentence

MUST, SHOULD = "must", "should"

# (pattern, severity): the first severity found decides; a "should" word in a sentence with a "must" word is a should
# only when no stronger word is there.
MODALS: tuple[tuple[str, str], ...] = (
    (r"\bmust(?: not)?\b", MUST), (r"\bshall(?: not)?\b", MUST), (r"\bis required\b|\brequired\b", MUST),
    (r"\brequires?\b", MUST), (r"\bneeds? to\b|\bwill need\b", MUST), (r"\balways\b", MUST), (r"\bnever\b", MUST),
    (r"\bonly\b", MUST), (r"\bnot supported\b", MUST), (r"\bwill(?: not)?\b|\bwon't\b", MUST),
    (r"\b(?:do not|don't)\b", MUST),
    (r"\bshould(?: not)?\b|\bshouldn't\b", SHOULD), (r"\b(?:we )?recommend(?:ed|s)?\b", SHOULD),
)
UNIVERSAL = re.compile(r"\b(?:all|every|each)\b(?:\s+[\w-]+){0,6}?\s+(?:are|is|have|has|use|uses|return|returns|"
                       r"expect|expects|send|sends|require|requires)\b", re.I)
# A present-tense statement whose subject is the API (or the product, by its name) states what it does.
SUBJECT = (r"^(?:the |our )?(?:[A-Z][\w-]*\s+){0,3}(?:API|APIs|server|service)\b|^[A-Z][a-z]+[A-Z]?\w*(?=\s)|"
           r"^(?i:(?:otherwise,? )?(?:the |an? )?(?:error )?(?:responses?|requests?))\b")
VERBS = r"\s+(?:also\s+)?(returns?|uses?|has|represents?|sends?|supports?|expects?|answers?|responds?|accepts?|relies on)\b"
DECLARATIVE = re.compile(f"(?:{SUBJECT}){VERBS}")
# Sentences that only point somewhere or illustrate promise nothing, whatever their words.
NOT_A_PROMISE = re.compile(r"^(?:for (?:more|example)|read more|to learn|here's|here is|e\.g\.|example|see |"
                           r"find below|notice that|for more information)", re.I)


@dataclass(frozen=True)
class Normative:
    severity: str
    trigger: str  # the words that made the sentence normative


def status_table(sentence: Sentence) -> bool:
    return bool(sentence.row) and bool(re.fullmatch(r"[1-5]\d\d", sentence.row[0].strip()))


def method_table(sentence: Sentence) -> bool:
    return bool(sentence.row) and sentence.row[0].strip().upper() in HTTP_METHODS


def classify(sentence: Sentence) -> Normative | None:
    """How the sentence binds, or None where it promises nothing."""
    if status_table(sentence):
        head = " | ".join(sentence.header) or "status codes"
        return Normative(MUST, f"a row of the table of status codes ({head})")
    if method_table(sentence):
        return Normative(MUST, f"a row of the table of methods ({' | '.join(sentence.header) or 'methods'})")
    if sentence.row or sentence.text.rstrip().endswith("?"):
        return None
    text = sentence.text
    if NOT_A_PROMISE.match(text):
        return None
    found = []
    for pattern, severity in MODALS:
        match = re.search(pattern, text, re.I)
        if match:
            found.append((match.start(), match.group(0), severity))
    universal = UNIVERSAL.search(text)
    if universal:
        found.append((universal.start(), universal.group(0), MUST))
    declarative = DECLARATIVE.search(text)
    if declarative:
        found.append((declarative.start(), declarative.group(0), MUST))
    if not found:
        return None
    severities = {severity for _, _, severity in found}
    # "should" softens a sentence whose only other words are universal ("all requests ... should have")
    strong = [f for f in found if re.match(r"(?i)must|shall|require|is required|needs? to|will need", f[1])]
    severity = SHOULD if SHOULD in severities and not strong else MUST
    words = ", ".join(f'"{w}"' for _, w, _ in sorted(found))
    return Normative(severity, words)
