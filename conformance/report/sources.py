"""Where a rule comes from, as a person reads it: the document's title (from the catalog's ``documents``)
and the section, e.g. "FeatBit REST API overview, § Authentication". The file name stays in the JSON
report for tools; a document the catalog does not list is shown by its file name."""

from __future__ import annotations

from typing import Any, Iterable, Mapping


def document_titles(documents: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """file -> title, from a catalog's (or a JSON report's) ``documents: [{file, title}]``."""
    return {str(d["file"]): str(d["title"]) for d in documents if d.get("file") and d.get("title")}


def with_title(source: Mapping[str, Any], titles: Mapping[str, str]) -> dict[str, Any]:
    """The source as the JSON report carries it: the catalog's fields plus ``document_title``."""
    out = dict(source)
    document = str(source.get("document", ""))
    out["document_title"] = titles.get(document) or document
    return out


def source_label(source: Mapping[str, Any], titles: Mapping[str, str] | None = None, *, quote: bool = False) -> str:
    """"<document title>, § <section>" and, with quote=True, ': “<quote>”'."""
    document = str(source.get("document", "") or "?")
    title = source.get("document_title") or (titles or {}).get(document) or document
    text = f"{title}, § {source['section']}" if source.get("section") else str(title)
    if quote and source.get("quote"):
        text += f": \u201c{source['quote']}\u201d"
    return text
