"""The HTML report: one self-contained page (inline CSS and JS, no external resource) built from the
JSON report dict (see json_report.py), which is already redacted.

The page shows a rules x operations matrix, or, for wide APIs, the operations as rows with their failing
rules as chips; the filters hide rows and columns alike, and the page is the one scroll area. The evidence
of a failure opens in a side panel, also from the URL: ``report.html#open=<rule id>|<operation>`` (either
part URL-encoded, the operation optional); ``#view=matrix`` or ``#view=operations`` picks the view.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from .coverage import breakdown, headline

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
# symbol and label of each cell status; the colour comes from the CSS class "st-<status>"
CELL = {
    "passed": ("✓", "passed"),
    "failed": ("✗", "failed"),
    "accepted": ("✗", "failed, accepted by the baseline"),
    "advisory": ("i", "advisory: the document's example"),
    "skipped": ("–", "skipped"),
    "not-applicable": ("·", "not applicable"),
    "none": ("", "not evaluated"),
}


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("conformance.report", "templates"),
                       autoescape=select_autoescape(["html", "j2"], default=True),
                       trim_blocks=True, lstrip_blocks=True)


def _operation_key(label: str) -> tuple[str, int, str]:
    method, _, path = label.partition(" ")
    rank = METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER)
    return (path, rank, method)


def operations_of(report: dict[str, Any]) -> list[str]:
    """Every operation that appears in the report, by path then by method."""
    labels = {label for rule in report.get("rules", []) for label in rule.get("operations", {})}
    return sorted(labels, key=_operation_key)


def common_prefix(labels: list[str]) -> str:
    """The leading path segments every operation shares (never a whole path), e.g. "/api/v1"."""
    paths = [label.partition(" ")[2].strip("/").split("/") for label in labels]
    if len(paths) < 2:
        return ""
    prefix: list[str] = []
    for parts in zip(*paths):
        if len(set(parts)) != 1 or "{" in parts[0]:
            break
        prefix.append(parts[0])
    while prefix and any(len(p) <= len(prefix) for p in paths):
        prefix.pop()
    return "/" + "/".join(prefix) if prefix else ""


def _columns(labels: list[str]) -> list[dict[str, str]]:
    prefix = common_prefix(labels)
    columns = []
    for label in labels:
        method, _, path = label.partition(" ")
        columns.append({"label": label, "method": method, "path": path,
                        "short": path[len(prefix):] if prefix else path})
    return columns


def _cell(rule: dict[str, Any], label: str) -> dict[str, Any]:
    entry = rule.get("operations", {}).get(label)
    if entry is None:
        return {"status": "none", "shown": "none", "symbol": "", "tip": f"{label}: not evaluated", "count": 0,
                "critical": False, "baselined": False, "advisory": False}
    status = entry.get("status", "skipped")
    shown = status  # what the cell says
    if status == "failed" and entry.get("baselined"):
        shown = "accepted"
    elif status == "failed" and entry.get("advisory"):
        shown = "advisory"
    symbol, text = CELL.get(shown, CELL["skipped"])
    critical = shown == "failed" or shown == "accepted"
    critical = critical and any(v.get("critical") for v in rule.get("violations", []) if v.get("operation") == label)
    count = entry.get("violation_count", 0)
    tip = f"{label}: {text}"
    if status == "failed":
        tip += f", {count} violation{'s' if count != 1 else ''}" + (", critical" if critical else "")
        tip += f" ({entry['accepted_because']})" if entry.get("accepted_because") else ""
        tip += ": an example informs, never binds; it does not fail the run" if shown == "advisory" else ""
        tip += f"; the baseline accepted it until {entry['baseline_expired']}" if entry.get("baseline_expired") else ""
        tip += " — click for the evidence"
    if entry.get("reason"):
        tip += f" — {entry['reason']}"
    return {"status": status, "shown": shown, "symbol": "!" if critical else symbol, "tip": tip,
            "count": count, "critical": critical, "baselined": bool(entry.get("baselined")),
            "advisory": shown == "advisory"}


# The matrix shows about this many operation columns beside the rules at 1400 px; with more, the page opens
# on the operations-first view (operations as rows, failing rules as chips), and offers it from OFFER_OPERATIONS.
FITS_COLUMNS = 24
OFFER_OPERATIONS = 10
UNREACHED_SHOWN = 10  # the header lists this many operations not reached (the badges show them all)


def _by_operation(columns: list[dict[str, str]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The operations-first view: per operation, its failing (and accepted, and advisory) rules as chips."""
    order = {"failed": 0, "accepted": 1, "advisory": 2}
    out = []
    for index, column in enumerate(columns):
        chips = [{"rule": row, "cell": row["cells"][index]} for row in rows
                 if row["cells"][index]["status"] == "failed"]
        chips.sort(key=lambda c: (order.get(c["cell"]["shown"], 3), not c["cell"]["critical"],
                                  c["rule"].get("severity") != "must", c["rule"]["id"]))
        out.append({**column, "index": index, "chips": chips})
    return out


def _verdict(summary: dict[str, Any]) -> dict[str, str]:
    """The top line: red only when something fails the run, or when the API refused the credential (then most
    rules could not be judged with it, and a green page would mislead)."""
    failed = summary.get("failed", 0)
    verdict = summary.get("verdict") or ("failed" if failed else "passed")
    accepted = summary.get("accepted", 0)
    advisory = summary.get("advisory", 0)
    refused = (summary.get("credential") or {}).get("status") == "refused"
    errors = len(summary.get("errors") or [])
    gate = (summary.get("reach") or {}).get("gate")
    if verdict == "failed" and failed:
        text = f"✗ {failed} rule{'s' if failed != 1 else ''} failed"
    elif verdict == "failed" and errors:
        text = f"✗ Failed: the tool could not judge {errors} rule cell{'s' if errors != 1 else ''} (a bug: see the cells)"
    elif verdict == "failed" and gate is not None and not gate["passed"]:
        text = f"✗ Reach below the minimum: {gate['reached']} of {gate['operations']} operations"
    elif verdict == "failed":
        text = "✗ Failed: no rule could be judged"
    elif refused:
        verdict, text = "failed", "✗ Credential refused"
    else:
        text = f"✓ Passed, {accepted} accepted by the baseline" if accepted else "✓ No rule failed"
        text += f", {advisory} advisory (the document's example)" if advisory else ""
    return {"status": verdict, "text": text}


SOURCES = {"user": "given by you", "spec": "the spec's example", "listed": "listed by the API",
           "seen": "seen in an answer", "created": "created by the suite", "unknown": "not known to exist",
           "invented": "invented, not known to exist"}


def _answers(statuses: dict[str, int]) -> str:
    return ", ".join(f"{code} ×{count}" for code, count in sorted(statuses.items()))


def _reach_tip(label: str, entry: dict[str, Any]) -> str:
    """The tooltip of an operation's reach badge: reached or not (and how to fix it), and its path values."""
    if entry.get("reached"):
        codes = sorted(entry.get("statuses", {}))
        ok = [c for c in codes if c.startswith("2")] or [c for c in codes if c.startswith("3")]  # a documented redirect
        tip = f"{label}: reached: a valid request got {' and '.join(ok) or 'a 2xx'}"
    else:
        tip = f"{label}: NOT REACHED: {entry.get('hint') or 'no valid request got a 2xx'}"
    values = [f"{v.get('parameter')} = {v.get('value')} ({v.get('how') or SOURCES.get(v.get('source'), v.get('source'))})"
              for v in entry.get("values", [])]
    if values:
        tip += "\nPath values: " + "; ".join(values)
    if entry.get("statuses"):
        tip += f"\nAnswers: {_answers(entry['statuses'])}"
    return tip + "\nClick for details"


def _reach(summary: dict[str, Any], columns: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The run's reach (a valid request got a 2xx) for the header, and a badge per operation column."""
    reach = summary.get("reach")
    if not reach:
        for column in columns:
            column["reach"] = None
        return None
    by_operation = reach.get("by_operation", {})
    for column in columns:
        entry = by_operation.get(column["label"])
        column["reach"] = None if entry is None else {"reached": bool(entry.get("reached")),
                                                      "tip": _reach_tip(column["label"], entry)}
    unreached = [{"label": label, "hint": entry.get("hint", "")} for label, entry in by_operation.items()
                 if not entry.get("reached")]
    unreached.sort(key=lambda u: _operation_key(u["label"]))
    return {"reached": reach.get("reached", 0), "operations": reach.get("operations", len(by_operation)),
            "unreached": unreached, "by_operation": by_operation}


# How a normative sentence's verdict reads (coverage.py), and its symbol; the colour is the CSS class "st-<verdict>".
SENTENCE = {
    "failed": ("✗", "checked: a rule of it failed"),
    "accepted": ("✗", "checked: failed, accepted by the baseline"),
    "advisory": ("i", "checked: advisory (the document's example)"),
    "passed": ("✓", "checked: passed"),
    "skipped": ("–", "checked, but no rule of it judged an operation in this run"),
    "unchecked": ("○", "unchecked: no rule checks it"),
}
KINDS = {"no-check": "no check of this kind yet", "not-observable": "not observable from outside",
         "client": "a requirement on the client", "ambiguous": "ambiguous",
         "switched-off": "its rules are switched off", "none": "no reason given"}


def _beyond(why: str, kind: str) -> str:
    """The reason, less the words its kind's label already says ("Not observable from outside: it is about ...")."""
    words = re.sub(r"\W+", " ", why.lower()).strip()
    if words in (re.sub(r"\W+", " ", kind.lower()).strip(), "no check of this kind exists yet"):
        return ""
    if why.lower().startswith(kind.lower()):
        rest = why[len(kind):].lstrip(" :;,.")
        return rest[:1].upper() + rest[1:]
    return why


def _coverage(report: dict[str, Any]) -> dict[str, Any] | None:
    """The coverage section: the documents' normative sentences grouped by document and section, and the bar."""
    covered = report.get("coverage")
    if not covered:
        return None
    groups: list[dict[str, Any]] = []
    for row in covered["rows"]:
        key = (row.get("document_title") or row.get("document", ""), row.get("section", ""))
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "document": key[0], "section": key[1], "rows": []})
        symbol, label = SENTENCE.get(row["verdict"], SENTENCE["skipped"])
        kind = KINDS.get(row.get("kind", ""), row.get("kind", ""))
        groups[-1]["rows"].append({**row, "symbol": symbol, "label": label, "kind_label": kind,
                                   "why_shown": _beyond(row.get("why", ""), kind)})
    total = covered["sentences"] or 1
    verdicts = covered.get("verdicts", {})
    bar = [{"verdict": v, "count": verdicts[v], "percent": round(100 * verdicts[v] / total, 2),
            "label": SENTENCE[v][1]} for v in SENTENCE if verdicts.get(v)]
    return {**covered, "groups": groups, "bar": bar, "headline": headline(covered), "breakdown": breakdown(covered),
            "documents": len({g["document"] for g in groups})}


def _view(report: dict[str, Any]) -> dict[str, Any]:
    summary = report.get("summary", {})
    operations = operations_of(report)
    groups: dict[str, list[dict[str, Any]]] = {}
    rows = []
    for rule in report.get("rules", []):
        row = {**rule, "cells": [_cell(rule, label) for label in operations],
               "critical": any(v.get("critical") for v in rule.get("violations", []))}
        groups.setdefault(rule.get("category", "other"), []).append(row)
        rows.append(row)
    categories = [{"name": name, "rules": rows, "counts": Counter(r.get("status") for r in rows)}
                  for name, rows in groups.items()]
    evidence = {rule["id"]: {key: rule.get(key) for key in
                             ("id", "category", "severity", "basis", "example", "title", "source", "status",
                              "reason", "operations", "violations")}
                for rule in report.get("rules", [])}
    critical = sum(1 for r in rows if r["critical"] and r.get("status") == "failed")
    columns = _columns(operations)
    reach = _reach(summary, columns)
    credential = summary.get("credential") or {}
    longest = max((len(c["method"]) + 1 + len(c["short"]) for c in columns), default=0)
    statuses = {r.get("status") for r in rows}
    coverage = _coverage(report)
    listed = {row["quote"] for group in (coverage or {}).get("groups", []) for row in group["rows"]}
    return {"summary": summary, "verdict": _verdict(summary), "columns": columns, "prefix": common_prefix(operations),
            "header_px": max(96, min(300, round(longest * 7.1) + 20)), "categories": categories,
            "by_operation": _by_operation(columns, rows), "offer_operations": len(columns) >= OFFER_OPERATIONS,
            "start_view": "operations" if len(columns) > FITS_COLUMNS else "matrix",
            "baseline": summary.get("baseline"), "has_accepted": "accepted" in statuses,
            "has_advisory": "advisory" in statuses, "has_example": any(r.get("example") for r in rows),
            "reach": reach, "credential": credential, "unreached_shown": UNREACHED_SHOWN,
            "unobservable": [u for u in report.get("unobservable", []) if (u.get("source") or {}).get("quote")
                             not in listed],  # (the coverage section lists the others with their reason)
            "coverage": coverage, "sentence_legend": SENTENCE,
            "evidence": evidence, "critical": critical,
            "format": report.get("format", ""), "cell_legend": CELL}


def render_html(report: dict[str, Any]) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(**_view(report))


def write_html(report: dict[str, Any], path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
