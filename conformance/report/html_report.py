"""The HTML report: one self-contained page (inline CSS and JS, no external resource) built from the
JSON report dict (see json_report.py), which is already redacted.

The page shows a rules x operations matrix; the evidence of a failure opens in a side panel, also
from the URL: ``report.html#open=<rule id>|<operation>`` (either part URL-encoded, the operation optional).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
# symbol and label of each cell status; the colour comes from the CSS class "st-<status>"
CELL = {
    "passed": ("✓", "passed"),
    "failed": ("✗", "failed"),
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
        return {"status": "none", "symbol": "", "tip": f"{label}: not evaluated", "count": 0,
                "critical": False, "baselined": False}
    status = entry.get("status", "skipped")
    symbol, text = CELL.get(status, CELL["skipped"])
    critical = status == "failed" and any(v.get("critical") for v in rule.get("violations", [])
                                          if v.get("operation") == label)
    count = entry.get("violation_count", 0)
    tip = f"{label}: {text}"
    if status == "failed":
        tip += f", {count} violation{'s' if count != 1 else ''}" + (", critical" if critical else "")
        tip += " (baselined)" if entry.get("baselined") else ""
        tip += " — click for the evidence"
    if entry.get("reason"):
        tip += f" — {entry['reason']}"
    return {"status": status, "symbol": "!" if critical else symbol, "tip": tip, "count": count,
            "critical": critical, "baselined": bool(entry.get("baselined"))}


def _view(report: dict[str, Any]) -> dict[str, Any]:
    summary = report.get("summary", {})
    operations = operations_of(report)
    groups: dict[str, list[dict[str, Any]]] = {}
    for rule in report.get("rules", []):
        row = {**rule, "cells": [_cell(rule, label) for label in operations],
               "critical": any(v.get("critical") for v in rule.get("violations", []))}
        groups.setdefault(rule.get("category", "other"), []).append(row)
    categories = [{"name": name, "rules": rows, "counts": Counter(r.get("status") for r in rows)}
                  for name, rows in groups.items()]
    evidence = {rule["id"]: {key: rule.get(key) for key in
                             ("id", "category", "severity", "title", "source", "status", "reason",
                              "operations", "violations")}
                for rule in report.get("rules", [])}
    critical = sum(1 for rows in groups.values() for r in rows if r["critical"])
    columns = _columns(operations)
    longest = max((len(c["method"]) + 1 + len(c["short"]) for c in columns), default=0)
    return {"summary": summary, "columns": columns, "prefix": common_prefix(operations),
            "header_px": max(96, min(300, round(longest * 7.1) + 20)), "categories": categories,
            "unobservable": report.get("unobservable", []), "evidence": evidence, "critical": critical,
            "format": report.get("format", ""), "cell_legend": CELL}


def render_html(report: dict[str, Any]) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(**_view(report))


def write_html(report: dict[str, Any], path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
