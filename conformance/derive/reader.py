"""Read a convention document (Markdown, HTML or plain text) into sections of sentences, table rows and examples.

The reader knows no rule: it only finds what the document says where. A sentence keeps two spellings: ``text``,
the words as a reader sees them (markup, links and line breaks left aside: what a catalog quotes), and ``marked``,
the same with names the document set apart (code spans, bold) kept in backticks, where the mapper finds names.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class Sentence:
    section: str
    text: str  # what a catalog quotes
    marked: str  # the same, names set apart in backticks
    index: int  # its place in the document
    row: tuple[str, ...] = ()  # a table row: its cells
    header: tuple[str, ...] = ()  # a table row: the table's header cells
    heading: bool = False  # a heading (Document.headings), not a sentence of its section
    lead: str = ""  # the first sentence of a list item (or a table's row): the lead-in it continues ("services MUST:")
    lead_index: int = -1  # the lead-in's index

    @property
    def codes(self) -> list[str]:
        return re.findall(r"`([^`]+)`", self.marked)


@dataclass(frozen=True)
class Example:
    section: str
    text: str
    index: int  # the index of the sentence it follows
    language: str = ""

    @property
    def json(self) -> Any:
        return parse_json(self.text)


@dataclass
class Document:
    file: str
    title: str
    sentences: list[Sentence] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    headings: list[Sentence] = field(default_factory=list)  # numbered with the sentences, in the document's order

    def in_order(self) -> list[Sentence]:
        """The sentences and the headings, as the document has them."""
        return sorted(self.sentences + self.headings, key=lambda s: s.index)

    def section(self, name: str) -> list[Sentence]:
        return [s for s in self.sentences if s.section == name]


def parse_json(text: str) -> Any:
    """The JSON of an example, leniently: from its first brace, with elisions (``...``) and trailing commas left out."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    body = "\n".join(line for line in text[start:].splitlines() if line.strip() not in ("...", "…", "// ..."))
    body = re.sub(r",(\s*[}\]])", r"\1", body)
    try:
        return json.loads(body)
    except ValueError:
        return None


# -- inline markup ---------------------------------------------------------------------------------
def _marked(text: str) -> str:
    text = re.sub(r"</?(?:li|br|p|div|ul|ol)\b[^>]*>", " ", text, flags=re.I)  # block tags (a table cell's list)
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML (anchors, <b>)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links
    text = re.sub(r"!?\[([^\]]+)\]\[[^\]]*\]", r"\1", text)  # reference links: [text][ref]
    text = re.sub(r"\*\*([^*]+)\*\*|__([^_]+)__", lambda m: f"`{m.group(1) or m.group(2)}`", text)
    text = re.sub(r"(?<!\w)\*([^*\s][^*]*)\*(?!\w)", r"\1", text)
    text = re.sub(r"(?<![\w`])_([^_\s][^_]*?)_(?![\w`])", r"\1", text)  # _emphasis_ (not snake_case names)
    text = html.unescape(text).replace("\\_", "_")
    return re.sub(r"\s+", " ", text).strip()


def _plain(marked: str) -> str:
    return marked.replace("`", "")


# A sentence ends at . ! ? followed by a capital, a quote or a code span; not after an abbreviation.
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "ex.", "vs.", "cf.")
BOUNDARY = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)`]))\s+(?=[A-Z`'\"“(*])")


def split_sentences(marked: str) -> list[str]:
    parts, current = [], ""
    pieces = BOUNDARY.split(marked)
    for piece in pieces:
        current = f"{current} {piece}".strip() if current else piece
        if current.lower().endswith(ABBREVIATIONS) or current.count("`") % 2:
            continue
        parts.append(current)
        current = ""
    if current:
        parts.append(current)
    return [p for p in parts if re.search(r"[A-Za-z]", p)]


# -- the document as blocks ------------------------------------------------------------------------
# A list item that gives a status code and what it means ("`401 Unauthorized`: the user is not authenticated") is a
# row of a table of status codes, as the same lines in a table would be.
STATUS_ITEM = re.compile(r"^`?([1-5]\d\d)((?:\s+[A-Z][\w’' -]*?)?)`?\s*(?::|\s[-–—])\s+(\S.*)$")


class _Builder:
    def __init__(self, file: str, title: str) -> None:
        self.doc = Document(file, title)
        self.section = title
        self.count = 0  # sentences and headings share one numbering: their order in the document
        self.fresh = False  # the last block was a paragraph: its last sentence may lead a list or a table in

    def _add(self, piece: str, **extra: Any) -> Sentence:
        sentence = Sentence(self.section, _plain(piece), piece, self.count, **extra)
        self.count += 1
        self.doc.sentences.append(sentence)
        return sentence

    def heading(self, text: str) -> None:
        marked = _marked(text).strip(" #¶§")
        self.section = _plain(marked) or self.section
        if not self.doc.title:
            self.doc.title = self.section
        elif marked:
            self.doc.headings.append(Sentence(self.section, self.section, marked, self.count, heading=True))
            self.count += 1
        self.fresh = False

    def lead_in(self) -> Sentence | None:
        """The sentence a list or a table that starts here continues: the paragraph just before, ending with ":"."""
        last = self.doc.sentences[-1] if self.doc.sentences else None
        return last if self.fresh and last is not None and not last.row and last.text.rstrip().endswith(":") else None

    def paragraph(self, text: str, lead: str = "", lead_index: int = -1) -> None:
        for number, piece in enumerate(split_sentences(_marked(text))):
            self._add(piece, **({"lead": lead, "lead_index": lead_index} if number == 0 and lead else {}))
        self.fresh = True

    def item(self, text: str, lead: str, lead_index: int) -> None:
        marked = _marked(text)
        found = STATUS_ITEM.match(marked)
        if found is None:
            self.paragraph(text, lead, lead_index)
            return
        reason, meaning = found.group(2).strip(), _plain(found.group(3))
        cells = (found.group(1), f"{reason}: {meaning}" if reason else meaning)
        self._add(marked, row=cells, header=(_plain(lead) or "status codes",), lead=lead, lead_index=lead_index)
        self.fresh = True

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        lead = self.lead_in()
        head = tuple(_plain(_marked(c)) for c in header)
        for row in rows:
            cells = [_marked(c) for c in row]
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            self._add(" | ".join(cells), row=tuple(_plain(c) for c in cells), header=head,
                      **({"lead": lead.text, "lead_index": lead.index} if lead else {}))
        self.fresh = False

    def example(self, text: str, language: str = "") -> None:
        if text.strip():
            last = self.doc.sentences[-1].index if self.doc.sentences else -1
            self.doc.examples.append(Example(self.section, text.strip("\n"), last, language))
        self.fresh = False


# A table's delimiter row (| --- | :-: |, or --- | --- without the outer pipes) and a link reference definition.
DELIMITER = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+\s*$")
NAVIGATION = re.compile(r"^\s*(?:\[[^\]]+\]\([^)]*\)\s*\|?\s*)+$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _html_tables(text: str) -> str:
    """An HTML table inside Markdown becomes a pipe table."""
    def table(match: re.Match[str]) -> str:
        rows = []
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(0), re.S | re.I):
            cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S | re.I)]
            rows.append("| " + " | ".join(cells) + " |")
        if rows:
            rows.insert(1, "|" + "---|" * (rows[0].count("|") - 1))
        return "\n\n" + "\n".join(rows) + "\n\n"
    return re.sub(r"<table.*?</table>", table, text, flags=re.S | re.I)


def read_markdown(text: str, file: str) -> Document:
    title = ""
    front = re.match(r"---\n(.*?)\n---\n", text, re.S)
    if front:
        found = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", front.group(1), re.M)
        title = found.group(1) if found else ""
        text = text[front.end():]
    text = _html_tables(text)
    build = _Builder(file, title)
    lines = [line for line in text.splitlines() if not REFERENCE.match(line)]
    para: list[str] = []
    lists: list[tuple[int, str, int]] = []  # the open lists, nested: (indent, the lead-in they continue, its index)
    item: list[tuple[str, int]] = []  # the lead-in of the item being read ([] outside a list)
    blank = False  # a blank line since the last text: a paragraph at the margin ends the list
    i = 0

    def flush() -> None:
        if para and item and NAVIGATION.match(" ".join(para)):
            pass  # a list item that is only a link (a table of contents, "Back | Next"): no sentence of the document
        elif para and item:
            build.item(" ".join(para), *item[0])
        elif para:
            build.paragraph(" ".join(para))
        para.clear()

    def close_lists() -> None:
        lists.clear()
        item.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        marker = re.match(r"^([-*+]|\d+\.)\s+", stripped)
        if re.match(r"^\{%.*%\}$|^:::", stripped):  # template directives (hints, call-outs)
            flush()
            close_lists()
        elif stripped.startswith(("```", "~~~")):
            flush()
            fence, language, body = stripped[:3], stripped[3:].strip(), []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i])
                i += 1
            build.example("\n".join(body), language)
        elif re.match(r"^#{1,6}\s", stripped):
            flush()
            close_lists()
            build.heading(stripped.lstrip("#"))
        elif stripped.startswith("|") or (i + 1 < len(lines) and "|" in stripped and DELIMITER.match(lines[i + 1])):
            flush()  # a pipe table, with or without the outer pipes
            close_lists()
            block = []
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                block.append(lines[i])
                i += 1
            rows = [_cells(b) for b in block if not DELIMITER.match(b)]
            if rows:
                build.table(rows[0], rows[1:])
            continue
        elif not para and not lists and (line.startswith("\t") or line.startswith("    ")) and stripped:
            body = []
            while i < len(lines) and (lines[i].startswith(("\t", "    ")) or not lines[i].strip()):
                body.append(lines[i].strip())
                i += 1
            build.example("\n".join(body))
            continue
        elif not stripped:
            flush()
            blank = True
        elif marker:
            flush()
            if not lists:
                lead = build.lead_in()
                lists.append((indent, lead.text if lead else "", lead.index if lead else -1))
            elif indent > lists[-1][0]:  # nested: the item above leads it in when it ends with ":"
                parent = build.doc.sentences[-1] if build.doc.sentences else None
                if parent is not None and parent.text.rstrip().endswith(":"):
                    lists.append((indent, f"{lists[-1][1]} {parent.text}".strip(), parent.index))
                else:
                    lists.append((indent, lists[-1][1], lists[-1][2]))
            else:
                while len(lists) > 1 and lists[-1][0] > indent:
                    lists.pop()
            item[:] = [(lists[-1][1], lists[-1][2])]
            para.append(stripped[marker.end():])
            blank = False
        else:
            if lists and blank and indent == 0:  # a paragraph at the margin after a blank line: the list is over
                close_lists()
            para.append(stripped)
            blank = False
        i += 1
    flush()
    return build.doc


def _looks_like_code(lines: list[str]) -> bool:
    first = lines[0].strip()
    if first.startswith(("{", "[")) or re.match(r"^(HTTP/\d|(%s)\s+/)" % "|".join(HTTP_METHODS), first):
        return True
    return all(re.match(r"^[A-Za-z][\w-]*:\s+\S", ln.strip()) and not ln.strip().endswith(".") for ln in lines)


def read_text(text: str, file: str) -> Document:
    """Plain text: paragraphs split by blank lines; a short line without closing punctuation is a heading; a
    paragraph of JSON, of header lines or of an HTTP exchange is an example."""
    build = _Builder(file, "")
    blocks = re.split(r"\n\s*\n", text)
    for block in blocks:
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        if _looks_like_code(lines):
            build.example("\n".join(lines))
        elif all(len(ln.split()) <= 6 and not re.search(r"[.:;!?,]$", ln.strip()) for ln in lines):
            for line in lines:
                build.heading(line.strip())
        else:
            build.paragraph(" ".join(ln.strip() for ln in lines))
    return build.doc


class _HTMLToMarkdown(HTMLParser):
    BLOCKS = {"p", "div", "section", "article", "br", "dd", "dt", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title = ""
        self.stack: list[str] = []
        self.lists = 0  # how deep in lists: an item is a Markdown item, indented as deep as it is
        self.links: list[str] = []  # the open links' targets: a link stays a link (a table of contents is links)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.stack.append(tag)
        in_pre = "pre" in self.stack[:-1]
        if tag in {"ul", "ol"}:
            self.lists += 1
            self.out.append("\n\n" if self.lists == 1 else "\n")
        elif tag == "li":
            self.out.append("\n" + "  " * max(self.lists - 1, 0) + "- ")
        elif tag == "p" and "li" in self.stack[:-1]:
            self.out.append(" ")  # a paragraph inside an item stays in the item
        elif tag == "a" and not in_pre:
            self.links.append(dict(attrs).get("href") or "")
            self.out.append("[")
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "pre":
            self.out.append("\n\n```\n")
        elif tag in {"code", "b", "strong"} and "pre" not in self.stack[:-1]:
            self.out.append("`")
        elif tag in {"table", "tr", "td", "th"}:
            self.out.append(f"<{tag}>")
        elif tag in self.BLOCKS:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"ul", "ol"} and self.lists:
            self.lists -= 1
            self.out.append("\n\n" if self.lists == 0 else "\n")
        elif tag == "li" or (tag == "p" and "li" in self.stack[:-1]):
            self.out.append(" ")
        elif tag == "a" and self.links:
            self.out.append(f"]({self.links.pop()})")
        elif tag == "pre":
            self.out.append("\n```\n\n")
        elif tag in {"code", "b", "strong"} and "pre" not in self.stack[:-1]:
            self.out.append("`")
        elif tag in {"table", "tr", "td", "th"}:
            self.out.append(f"</{tag}>")
        elif tag in self.BLOCKS or tag.startswith("h"):
            self.out.append("\n\n")
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in {"script", "style"}:
            return
        if self.stack and self.stack[-1] == "title":
            self.title = data.strip()
            return
        if "pre" in self.stack:
            self.out.append(data)
        else:
            self.out.append(re.sub(r"\s+", " ", data))


def read_html(text: str, file: str) -> Document:
    parser = _HTMLToMarkdown()
    parser.feed(text)
    markdown = "".join(parser.out)
    if parser.title:
        markdown = f"---\ntitle: {parser.title}\n---\n{markdown}"
    return read_markdown(markdown, file)


def read_document(path: Path | str) -> Document:
    """Read one document; its format from its name, else from its text."""
    path = Path(path)
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"} or (suffix not in {".md", ".markdown"} and re.match(r"\s*<(!doctype|html)", text, re.I)):
        doc = read_html(text, path.name)
    elif suffix in {".md", ".markdown"} or re.search(r"^(#{1,6} |```|---\n)", text, re.M):
        doc = read_markdown(text, path.name)
    else:
        doc = read_text(text, path.name)
    doc.title = doc.title or path.stem
    return doc
