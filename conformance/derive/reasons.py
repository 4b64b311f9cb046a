"""What a sentence's place says, and why a promise has no rule.

- **Place.** A heading of a style guide ("Generate structured errors") states its section's convention: it is checked
  by the rules its section's sentences drew. A lead-in ("At minimum, services MUST:") states what its list items
  say: it is checked by the rules they drew. Neither draws a rule of its own.
- **Reasons.** Every normative sentence with no rule is listed with one reason, the first that fits: not observable
  from outside (the connection, the documentation, how the API changes between versions, how it is built or run),
  a requirement on the client, ambiguous (it says which operations or values only in part, or by a judgement), or
  no check of this kind yet.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .normative import classify, status_table
from .reader import Sentence

if TYPE_CHECKING:
    from .mapping import Derivation


def place(d: Derivation, imperative: bool) -> None:
    """Headings that bind (a style guide's imperatives) and lead-ins: normative, checked by the rules of what they
    head or lead in."""
    doc = d.document
    bounds = sorted(h.index for h in doc.headings) + [doc.in_order()[-1].index + 1 if doc.in_order() else 0]
    for number, heading in enumerate(sorted(doc.headings, key=lambda h: h.index)):
        normative = classify(heading, imperative=imperative)
        if normative is None:
            continue
        d.normative[heading.index] = normative
        inside = [s for s in doc.sentences if heading.index < s.index < bounds[number + 1]]
        _check_by(d, heading.index, inside)
    for lead in {s.lead_index for s in doc.sentences if s.lead_index >= 0}:
        if lead in d.normative:
            _check_by(d, lead, [s for s in doc.sentences if s.lead_index == lead])


def _check_by(d: Derivation, index: int, sentences: list[Sentence]) -> None:
    rules = [rule for s in sentences for rule in d.checked.get(s.index, [])]
    if rules:
        d.checked[index] = list(dict.fromkeys([*d.checked.get(index, []), *rules]))


# -- reasons -----------------------------------------------------------------------------------------------------
NO_CHECK = ("no-check", "No check of this kind exists yet.")
CONNECTION = r"\btls\b|\bhttps\b|\bssl\b|\bencrypt\w*|\bsecure connections?\b|\bport 80\b|\bnon-tls\b"
DOCUMENTATION = (r"\bdocument(?:ation|ed)?\b|\bdocs\b|^describe\b|\bdescribe (?:the|your|its)\b|\boverview\b|\bexecutable examples?\b|"
                 r"\bthese examples\b|\bexamples? (?:that|of using|for each)\b|\bschema\b|\bprmd\b|\bportal\b|\bchangelog\b|"
                 r"\bdeclared in\b")
# A sentence that asks for documentation ("Document your error format", "Services MUST document their error codes",
# "The codes are documented in the reference"): no runtime rule checks it, unless it states the format itself.
DOCUMENTING = (r"^(?:please |always |also )?document\b|"
               r"\b(?:must|should|shall|to|please|will|always)\s+(?:also\s+)?(?:clearly\s+)?document\b|"
               r"\b(?:be|is|are|been)\s+(?:clearly\s+|well\s+)?documented\b|"
               r"\bin (?:the|your|its|our|their) (?:api )?(?:documentation|docs)\b")
STATES_FORMAT = (r"\b(?:has|have|contains?|includes?|carr(?:y|ies)|consists? of|is made of|is an? (?:json )?object|"
                 r"are (?:json )?objects|looks? like)\b")


def about_documentation(text: str) -> bool:
    """Does the sentence ask for (or speak of) the API's documentation, without stating the format itself? A runtime
    rule does not check it: "Document your error format and the possible error ids" is unchecked (not observable),
    "Document your error format: each error has an `id` and a `message`" states the format and is checked."""
    return bool(re.search(DOCUMENTING, text, re.I)) and not re.search(STATES_FORMAT, text, re.I)


VERSIONS = (r"\bbackwards?[- ]incompatible changes?\b|\bis a breaking change\b|\bversion (?:increase|number)\b|"
            r"\bdeprecat\w*|\bproduction-ready\b|\bnew (?:major |minor )?version\b")
RUN = (r"\bstored?\b|\blogs?\b|\blogging\b|\binternal\b|\bconsole\b|\brun (?:the following |this )?command\b|"
       r"\bwebsites?\b|\bdashboard\b|"
       r"\bwhile designing\b|\bmetrics?\b|\bmonitor\w*|\bpage\b.*\bmanage|\bcreate (?:a )?new token")
CLIENT = (r"^(?:[^,]{0,60},\s*)?(?:the |all )?(?:clients?|consumers?|callers?|users?|end-users|developers?|browsers?)\b|"
          r"\bby the client\b")  # the client is the subject
SECOND_PERSON = (r"^(?:you (?:should|must|can|need)|we recommend (?:using|that you)|use |wait |go |run |please)|"
                 r"\byou should\b|\bdo not\b|\bdon['’]t\b")
AMBIGUOUS = (r"\b(?:some|most|usually|may|might|depending|certain|appropriate|suitable|proper|whenever possible|"
             r"where (?:possible|available|applicable|needed)|as appropriate|when applicable|if applicable|"
             r"consistent(?:ly)?|simple)\b")


def reason(s: Sentence, d: Derivation, imperative: bool) -> tuple[str, str]:
    """The kind of reason a normative sentence has no rule, and the reason in words."""
    # (a reason given for the promise, "because doing so might make the value unreadable to ... logging", is not it)
    text = re.split(r"\b(?:because|since|so that|in order to)\b", f"{s.lead} {s.text}".strip())[0]
    heading = next((h.text for h in d.document.headings if h.section == s.section), "")
    if s.row and status_table(s):
        return "no-check", f"No check of this kind exists yet (a row of the document's table of statuses: {s.row[0]})."
    if re.search(CONNECTION, f"{text} {heading}", re.I):
        return "not-observable", ("Not observable from outside: it is about the connection (TLS), which the run takes "
                                  "as it is given.")
    if re.search(DOCUMENTATION, text, re.I) and not re.search(r"\bheader\b", text, re.I):  # (a header is observed)
        return "not-observable", ("Not observable from outside: it is about the API's documentation or artifacts, not "
                                  "what it answers; review them by other means.")
    if re.search(VERSIONS, text, re.I):
        return "not-observable", "Not observable in one run: it is about how the API changes between versions."
    if re.search(RUN, text, re.I):
        return "not-observable", ("Not observable from outside: it is about how the API is designed, run or managed, "
                                  "not what it answers over HTTP.")
    # in a style guide "you" is the API's designer and its imperatives are addressed to the API
    if re.search(CLIENT, s.text, re.I) or (not imperative and re.search(SECOND_PERSON, s.text, re.I)):
        return "client", "A requirement or advice to the client, not behaviour of the API the run can observe."
    if re.search(AMBIGUOUS, text, re.I):
        return "ambiguous", ("Ambiguous: it says which operations or values only in part, or by a judgement (some, "
                             "appropriate, whenever possible).")
    return NO_CHECK


def leftovers(d: Derivation, imperative: bool) -> None:
    """Every normative sentence (and heading) that drew no rule, with the reason. A reason a mapping gave a sentence
    that binds nothing (a section's example page the checks do not know) goes to the unchecked promises of its
    section that have no better one."""
    specific = {}
    for entry in list(d.unmapped):
        if entry["sentence"].index not in d.normative:
            d.unmapped.remove(entry)
            specific.setdefault(entry["sentence"].section, entry)
    listed = {u["sentence"].index for u in d.unmapped}
    for s in d.document.in_order():
        if s.index in d.normative and not d.checked.get(s.index) and s.index not in listed:
            kind, why = reason(s, d, imperative)
            if (kind, why) == NO_CHECK and s.section in specific:
                kind, why = specific[s.section]["kind"], specific[s.section]["why"]
            d.unmapped.append({"sentence": s, "kind": kind, "why": why})
