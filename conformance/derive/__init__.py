"""``conformance derive``: from a team's own convention documents to a cited catalog, offline and deterministic.

reader (Markdown, HTML, plain text -> sections, headings, sentences, list items and the lead-ins they continue, table
rows, examples) -> normative (which sentences bind, and how hard; a style guide's imperatives) -> mapping, templates
and formats (sentence patterns and examples -> rules of existing checks, params read off the document; the ways a
client talks to the API) -> reasons (headings and lead-ins checked by what they head; why a promise has no rule) ->
writer (the catalog YAML). No network, no model: the same documents give the same catalog.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import formats, objects, reasons
from .mapping import Derivation, map_sentences
from .normative import imperative_style
from .reader import Document, read_document
from .templates import TEMPLATE_MAPPINGS
from .writer import catalog, dump


def derive_document(doc: Document) -> Derivation:
    d = map_sentences(doc, TEMPLATE_MAPPINGS)
    formats.error_format(d)
    objects.error_tables(d)
    formats.pagination(d)
    formats.cors_values(d)
    formats.client_headers(d)
    imperative = imperative_style(doc)
    reasons.place(d, imperative)
    reasons.leftovers(d, imperative)
    return d


def profile_name(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "derived"


def derive(paths: list[Path | str], *, profile: str = "") -> tuple[dict, str]:
    """The catalog (as data and as YAML text) the documents at ``paths`` promise."""
    derivations = [derive_document(read_document(p)) for p in paths]
    data = catalog(derivations, profile=profile_name(profile or derivations[0].document.title))
    return data, dump(data, derivations)


__all__ = ["derive", "derive_document", "read_document"]
