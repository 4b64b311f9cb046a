"""Which sentences of a document bind, and how hard: by their modal and universal wording, and by their place.

A sentence is normative when its words promise: a modal (must, shall, will, need to, required; should, recommend,
it is best to, discouraged), a universal (always, never, all/every/each ... , a restrictive "only", not supported),
a present-tense statement of what the API itself does ("The API returns ...", "<Name> represents ..."), or a row of a
table of status codes or of methods (a table is the document saying, row by row, what a status or a method means),
or of a table of fields that marks the row required.

Words that only look modal do not bind: a keyword quoted as a word ("MUST" in a list of RFC 2119 keywords), a
permission (MAY, can, optionally) with no stronger word, "will" whose subject is not the API (clients, parsers,
"since ... will already have been"), a "require" or a "do not" inside a relative or conditional clause ("resources
that do not require cookies"), a "should" inside an indirect question ("to determine if the cache should be
updated"), and sentences that only point somewhere, illustrate or comment ("See ...", "Note that ...").

Place binds too:
- **A list item continues its lead-in.** The first sentence of an item of a list that a sentence ending with ":"
  leads in ("At minimum, services MUST:") binds as the lead-in does, unless it says how itself.
- **A style guide's imperatives bind.** Where a document states its conventions as imperatives (most of its headings
  are: "Require TLS", "Use consistent path formats"; or a quarter of its sentences), each imperative sentence and each
  imperative heading is normative, a must, or a should where its verb or its words only advise ("Prefer ...",
  "Consider ...", "Ideally, ...", "... whenever possible", "unless you have a very good reason"). In such a guide
  "you" is the API's designer, so "you will get examples for free" promises nothing. Elsewhere (an API's own
  reference, an RFC 2119 document) an imperative alone does not bind: those documents say "must".

The words that made a sentence normative are kept, so a reviewer sees why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .reader import HTTP_METHODS, Sentence

if TYPE_CHECKING:
    from .reader import Document

MUST, SHOULD = "must", "should"
APOSTROPHE = "['’]"

# (pattern, severity): the first severity found decides; a "should" word in a sentence with a "must" word is a should
# only when no stronger word is there.
MODALS: tuple[tuple[str, str], ...] = (
    (r"\bmust(?: not)?\b", MUST), (r"\bshall(?: not)?\b", MUST), (r"\bis required\b|\brequired\b", MUST),
    (r"\brequires?\b", MUST), (r"\bneeds? to\b|\bwill need\b", MUST), (r"\balways\b", MUST), (r"\bnever\b", MUST),
    (r"\bthe only (?:way|method|format|channel|option)\b|\bonly\b[^.,;]*\b(?:supported|accepted|allowed|permitted)\b|"
     r"\bonly (?:accepts?|supports?|allows?|returns?|uses?|responds?|answers?|sends?)\b|\bonly\.$|"
     r"\b(?:is|are|be) only\b(?! a\b)", MUST),
    (r"\bnot supported\b", MUST), (rf"\bwill(?: not)?\b|\bwon{APOSTROPHE}t\b", MUST),
    (rf"\b(?:do not|don{APOSTROPHE}t)\b", MUST),
    (rf"\bshould(?: not)?\b|\bshouldn{APOSTROPHE}t\b", SHOULD), (r"\b(?:we )?recommend(?:ed|s)?\b", SHOULD),
    (rf"\bit(?: is|{APOSTROPHE}s) best to\b|\bpreferably\b|\b(?:is|are) preferred\b|\b(?:is|are) (?:strongly )?"
     r"(?:discouraged|encouraged)\b", SHOULD),
)
STRONG = re.compile(rf"\b(?:must|shall|should|shouldn{APOSTROPHE}t|required|recommended|always|never)\b", re.I)
PERMISSION = re.compile(r"\b(?:may|might|optionally|optional)\b", re.I)
UNIVERSAL = re.compile(r"\b(?:all|every|each)\b(?:\s+[\w-]+){0,6}?\s+(?:are|is|have|has|use|uses|return|returns|"
                       r"expect|expects|send|sends|require|requires)\b", re.I)
# A present-tense statement whose subject is the API (or the product, by its name) states what it does.
SUBJECT = (r"^(?:the |our )?(?:[A-Z][\w-]*\s+){0,3}(?:API|APIs|server|service)\b|^[A-Z][a-z]+[A-Z]?\w*(?=\s)|"
           r"^(?i:(?:otherwise,? )?(?:the |an? )?(?:error )?(?:responses?|requests?))\b")
VERBS = r"\s+(?:also\s+)?(returns?|uses?|has|represents?|sends?|supports?|expects?|answers?|responds?|accepts?|relies on)\b"
DECLARATIVE = re.compile(f"(?:{SUBJECT}){VERBS}")
# Sentences that only point somewhere, illustrate or speak of the document itself promise nothing, whatever their words.
NOT_A_PROMISE = re.compile(r"^(?:for (?:more|example|instance)|read more|to learn|here's|here is|e\.g\.|example(?!s of )|see |"
                           r"find below|notice that|for more information|refer to|as an example|imagine|instead of|"
                           r"(?:this|the) (?:document|guide|section|chapter|article)\b)", re.I)
COMMENT = re.compile(r"^note that\b", re.I)  # commentary: it binds only by a word of its own as strong as "should"
NOTE = re.compile(r"^(?:note|important|tip|hint)\s*:\s*", re.I)  # a label before what may still be a promise

# -- the words that only look modal ---------------------------------------------------------------------------
QUOTED_KEYWORD = re.compile(r"[\"“'‘][A-Z][A-Z ]+[\"”'’]")  # "MUST NOT" named, not used
NOT_THE_API = {"you", "we", "they", "i", "client", "clients", "user", "users", "developer", "developers", "consumer",
               "consumers", "caller", "callers", "browser", "browsers", "parser", "parsers", "library", "libraries",
               "tool", "tools", "people", "customer", "customers", "end-users"}
EXPLAINING = re.compile(r"\b(?:since|because|so that|in order to|as)\b[^,;]*$", re.I)
CONDITION = re.compile(r"(?:^|[,;]\s*)(?:if|when|whether|unless|where|once)\b[^,;]*$", re.I)
RELATIVE = re.compile(r"\b(?:that|which|who|whose)\s+$", re.I)


def _will_binds(text: str, start: int, imperative: bool) -> bool:
    """Whether a "will" binds: its subject is the API, what it answers or what the document describes, not a
    client, a tool or the authors; not an explanation ("since data will already have been exposed")."""
    before = text[:start]
    clause = re.split(r"[,;:]|\b(?:and|but)\b", before)[-1]
    words = re.findall(r"[\w’'-]+", clause.lower())[-5:]
    if {w.replace("’", "'") for w in words} & (NOT_THE_API - (set() if imperative else {"you"})):
        return False
    if re.match(r"^\s*(?:we|i|our)\b", text, re.I) or EXPLAINING.search(before):
        return False
    # "will already have been": what followed; "it will be helpful": a judgement, not a promise
    return not re.match(r"will\s+(?:already\b|(?:be\s+)?(?:helpful|useful|easier|easy|fine|nice|better|possible|"
                        r"difficult|hard|important)\b)", text[start:], re.I)


def _modal_binds(word: str, text: str, start: int, imperative: bool) -> bool:
    lowered = word.lower()
    before = text[:start]
    if lowered.startswith(("will", "won")) and not lowered.startswith("will need"):
        return _will_binds(text, start, imperative)
    if lowered.startswith(("do not", "don")):  # an imperative "do not", not a relative clause's
        return bool(re.search(r"(?:^|[,;:]\s*(?:so |then |and |but |please |just )?|\b(?:please|you|simply|just)\s+)$",
                              before, re.I))
    if lowered.startswith("require"):
        if re.search(r"\b(?:does|do|did|is|are|be)\s+not\s+$|\b(?:doesn|don|isn|aren)['’]t\s+$", before, re.I):
            return False  # "does not require", "is not required": no requirement
        return not CONDITION.search(before) and not RELATIVE.search(before)
    if lowered.startswith(("need", "needs")):  # not "if you need to", nor "the work a user needs to do"
        return not CONDITION.search(before) and not re.search(
            r"\b(?:work|effort|amount|time|what|everything|anything)\s+(?:[\w’'-]+\s+){0,2}$", before, re.I)
    if lowered.startswith("should"):
        return not re.search(r"\b(?:whether|if)\b(?:\s+[\w’'-]+){0,5}\s+$", before, re.I)  # indirect question
    return True


# -- a style guide's imperatives ------------------------------------------------------------------------------
IMPERATIVE_VERBS = (
    "accept", "add", "adopt", "allow", "apply", "authenticate", "authorize", "avoid", "be", "build", "choose",
    "consider", "convert", "create", "define", "delineate", "describe", "design", "divide", "document", "downcase",
    "emit", "enable", "encode", "ensure", "expose", "favor", "favour", "follow", "generate", "give", "handle", "honor",
    "honour", "identify", "implement", "include", "indicate", "keep", "limit", "make", "minimize", "minimise", "name",
    "nest", "offer", "paginate", "pay", "place", "prefer", "pretty-print", "prevent", "provide", "publish", "put",
    "rate-limit", "rate limit", "reject", "render", "require", "respect", "respond", "return", "send", "separate",
    "serialize", "serialise", "set", "show", "sign", "specify", "start", "support", "trace", "treat", "try", "use",
    "validate", "version", "wrap",
)
ADVISING_VERBS = {"prefer", "consider", "avoid", "try", "favor", "favour"}
VERB = "|".join(sorted((re.escape(v) for v in IMPERATIVE_VERBS), key=len, reverse=True))
ADVERBS = r"(?:(?:please|just|simply|always|clearly|also|then|generally|ideally|preferably),?\s+)*"
IMPERATIVE = re.compile(
    rf"^(?:(?:in (?:cases?|environments|situations) where|where|when|if|once|for|to|in addition to|unless)\b"
    rf"[^,]{{0,120}},\s*|in addition,\s*)?{ADVERBS}(?:do not |don{APOSTROPHE}t |never )?({VERB})\b(?!-)", re.I)
NOUN_USE = re.compile(r"^[\w-]+(?: [\w-]+)?\s+(?:of|is|are|was|were|has|have)\b|^[\w-]+ for\b[^,;.]*\b(?:is|are)\b",
                      re.I)
SOFTLY = re.compile(r"^(?:ideally|generally|preferably)\b|\bwhenever possible\b|\bwhere (?:possible|practical)\b|"
                    r"\bunless (?:you|there) (?:have|has|is|are) (?:a |an )?(?:very )?(?:good|compelling|strong)\b", re.I)
NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.)\s+")


def imperative_verb(text: str) -> str | None:
    """The verb of an imperative sentence or heading ("Include ...", "In cases where ..., clearly delineate ...")."""
    text = NUMBERING.sub("", NOTE.sub("", text.strip()))
    found = IMPERATIVE.match(text)
    if found is None:
        return None
    rest = text[found.start(1):]
    if NOUN_USE.match(rest) and not re.match(rf"^(?:{VERB}) (?:the|a|an|all|each|every|your)\b", rest, re.I):
        return None  # "Use of X is ...", "Support for X is ...": a noun, not an order
    return found.group(1)


def imperative_style(doc: Document) -> bool:
    """Whether the document states its conventions as imperatives: most of its headings (at least three) are, or a
    quarter of its sentences (at least five)."""
    headings = [h for h in doc.headings if len(h.text.split()) >= 2]
    ordering = sum(1 for h in headings if imperative_verb(h.text))
    if ordering >= 3 and ordering * 2 >= len(headings):
        return True
    prose = [s for s in doc.sentences if not s.row]
    ordered = sum(1 for s in prose if imperative_verb(s.text))
    return ordered >= 5 and ordered * 4 >= len(prose)


# -- a sentence ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Normative:
    severity: str
    trigger: str  # the words that made the sentence normative


def status_table(sentence: Sentence) -> bool:
    return bool(sentence.row) and bool(re.fullmatch(r"[1-5]\d\d", sentence.row[0].strip()))


def method_table(sentence: Sentence) -> bool:
    return bool(sentence.row) and sentence.row[0].strip().upper() in HTTP_METHODS


def required_row(sentence: Sentence) -> bool:
    """A row of a table of fields whose "Required" column marks it (✔, yes, true)."""
    columns = [i for i, h in enumerate(sentence.header) if h.strip().lower() in ("required", "mandatory")]
    return any(i < len(sentence.row) and sentence.row[i].strip().lower() in ("✔", "✓", "✔️", "yes", "y", "true",
                                                                          "required", "x", "mandatory")
               for i in columns)


def _lead(sentence: Sentence, imperative: bool) -> Normative | None:
    if not sentence.lead:
        return None
    return _words(sentence.lead, imperative) or (_imperative(sentence.lead) if imperative else None)


def _imperative(text: str) -> Normative | None:
    verb = imperative_verb(text)
    if verb is None:
        return None
    soft = verb.lower() in ADVISING_VERBS or SOFTLY.search(text)
    return Normative(SHOULD if soft else MUST, f'an imperative "{verb}"')


def _words(text: str, imperative: bool) -> Normative | None:
    """How a sentence binds by its own words, or None."""
    text = NOTE.sub("", text.strip())
    if NOT_A_PROMISE.match(text):
        return None
    searched = QUOTED_KEYWORD.sub(lambda m: " " * len(m.group(0)), text)
    found = []
    for pattern, severity in MODALS:
        for match in re.finditer(pattern, searched, re.I):
            if _modal_binds(match.group(0), searched, match.start(), imperative):
                found.append((match.start(), match.group(0), severity))
                break
    universal = UNIVERSAL.search(searched)
    if universal:
        found.append((universal.start(), universal.group(0), MUST))
    declarative = DECLARATIVE.search(searched)
    if declarative:
        found.append((declarative.start(), declarative.group(0), MUST))
    if not found:
        return None
    strong = STRONG.search(searched)
    if not strong and (PERMISSION.search(searched) or COMMENT.match(text)):
        return None  # a permission ("MAY respond with a wildcard"), or a remark, with no stronger word of its own
    severities = {severity for _, _, severity in found}
    # "should" (and advice) softens a sentence whose only other words are universal ("all requests ... should have")
    stronger = [f for f in found if re.match(r"(?i)must|shall|require|is required|needs? to|will need", f[1])]
    advice = any(re.match(r"(?i)it(?: is|['’]s) best to|preferably", f[1]) for f in found)
    severity = SHOULD if SHOULD in severities and (not stronger or advice and not re.search(
        r"\b(?:must|shall)\b", searched, re.I)) else MUST
    words = ", ".join(f'"{w}"' for _, w, _ in sorted(found))
    return Normative(severity, words)


def classify(sentence: Sentence, *, imperative: bool = False) -> Normative | None:
    """How the sentence binds, or None where it promises nothing. ``imperative``: the document states its
    conventions as imperatives (imperative_style), so its imperative sentences and headings bind."""
    if sentence.heading:
        return _imperative(sentence.text) if imperative else None
    lead = _lead(sentence, imperative)
    if status_table(sentence):
        head = " | ".join(sentence.header) or "status codes"
        return Normative(lead.severity if lead else MUST, f"a row of the table of status codes ({head})")
    if method_table(sentence):
        return Normative(lead.severity if lead else MUST,
                         f"a row of the table of methods ({' | '.join(sentence.header) or 'methods'})")
    if sentence.row:
        if required_row(sentence):
            return Normative(MUST, f"marked required in the table ({' | '.join(sentence.header)})")
        found = _words(sentence.text, imperative)
        return found if found and STRONG.search(sentence.text) else None
    text = sentence.text
    if text.rstrip().endswith("?"):
        return None
    own = _words(text, imperative) or (_imperative(text) if imperative else None)
    if own is not None:
        return own
    if lead is not None and not PERMISSION.search(text) and not NOT_A_PROMISE.match(NOTE.sub("", text)):
        return Normative(lead.severity, f"the list it continues: {lead.trigger}")
    return None
