"""The command-line side of derive: ``conformance derive DOC... -o FILE``, the comparison of a derived catalog with
another (``--compare PROFILE``: found, invented, missed) and ``conformance rules --coverage``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from ..catalog import resolve_path
from ..report.coverage import NO_REASON
from ..report.coverage import coverage as sentence_coverage
from ..rules.dates import DATE_FIELD_PATTERNS
from . import derive

# The params a check takes when a rule gives none (rules/*.py): a rule that states them says no more than one that
# does not, so a comparison leaves them out.
CHECK_DEFAULTS: dict[str, dict[str, Any]] = {
    "auth.missing-credentials": {"status": 401}, "auth.invalid-credentials": {"status": 401},
    "auth.unsupported-channel": {"status": 401}, "auth.forbidden-credentials": {"status": 403},
    "content-type.json-response": {"media_types": ["application/json"]},
    "dates.iso8601-utc": {"field_patterns": DATE_FIELD_PATTERNS}, "dates.unix-seconds": {"field_patterns": DATE_FIELD_PATTERNS},
    "rate-limit.retry-after": {"headers": ["Retry-After"]}, "pagination.no-duplicates": {"page_param": "page"},
}


def raw(name: str) -> dict[str, Any]:
    return yaml.safe_load(resolve_path(name, Path.cwd()).read_text(encoding="utf-8")) or {}


def own_rules(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in data.get("rules", []) if r.get("enabled", True) is not False}


def effective(rule: dict[str, Any]) -> dict[str, Any]:
    check = rule.get("check", rule["id"])
    defaults = CHECK_DEFAULTS.get(check, {})
    return {k: v for k, v in (rule.get("params") or {}).items() if defaults.get(k, object()) != v}


def compare(derived: dict[str, Any], reference: dict[str, Any]) -> dict[str, list[str]]:
    """The reference catalog's own rules found by the derived one (same check, same params), found with other params,
    missed; and the derived rules that are no rule of the reference (its own or its base's): invented."""
    ours, theirs = own_rules(derived), own_rules(reference)
    base = own_rules(raw(reference["extends"])) if reference.get("extends") else {}
    found, differ, missed = [], [], []
    for rule_id, rule in theirs.items():
        mine = ours.get(rule_id)
        if mine is None:
            missed.append(rule_id)
        elif effective(mine) == effective(rule) and mine.get("check", rule_id) == rule.get("check", rule_id):
            found.append(rule_id)
        else:
            differ.append(rule_id)
    invented = [r for r in ours if r not in theirs and r not in base]
    restated = [r for r in ours if r not in theirs and r in base]
    return {"found": found, "params-differ": differ, "missed": missed, "invented": invented, "base": restated}


def coverage(data: dict[str, Any], rule_ids: set[str]) -> tuple[list[tuple[dict[str, Any], list[str], str]], int]:
    """Every normative sentence the catalog lists, with the rules of the catalog that check it, or why none does
    (report/coverage.py: the one computation the reports make too)."""
    rules = {r["id"]: r.get("source", {}) for r in data.get("rules", []) if r["id"] in rule_ids}
    rules.update({rule_id: {} for rule_id in rule_ids if rule_id not in rules})  # (inherited: they quote no sentence)
    covered = sentence_coverage(data.get("normative", []), rules, data.get("unobservable", []))
    if covered is None:
        return [], 0
    rows = []
    for entry, row in zip(data["normative"], covered["rows"]):
        reason = "" if row["rules"] else (NO_REASON if row["kind"] == "none" else f"{row['kind']}: {row['why']}")
        rows.append((entry, [r["id"] for r in row["rules"]], reason))
    return rows, covered["checked"]


def print_coverage(name: str, rule_ids: set[str], out=None) -> None:
    out = out or sys.stdout
    data = raw(name)
    if not data.get("normative"):
        print(f"{data.get('profile', name)}: the catalog lists no normative sentences of its documents, so it has no "
              "coverage matrix (a catalog written by `conformance derive` lists them).", file=out)
        return
    rows, checked = coverage(data, rule_ids)
    print(f"{data['profile']}: coverage of the document: {checked} of {len(rows)} normative sentences checked", file=out)
    for entry, ids, reason in rows:
        mark = "checked by " + ", ".join(ids) if ids else "unchecked (" + reason + ")"
        print(f"  - [{entry['section']}] \"{entry['quote']}\"\n      {entry.get('severity', '')} "
              f"({entry.get('trigger', '')}): {mark}", file=out)
    print(file=out)


def derive_command(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    missing = [str(p) for p in args.documents if not p.is_file()]
    if missing:
        print(f"conformance derive: no such document: {', '.join(missing)}", file=sys.stderr)
        return 4
    data, text = derive(args.documents, profile=args.profile or (args.output.stem if args.output else ""))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        normative = data["normative"]
        checked = sum(1 for n in normative if n["rules"])
        print(f"wrote {args.output}: {len(data['rules'])} rules; {checked} of {len(normative)} normative sentences "
              f"checked, {len(data['unobservable'])} promises with no rule (listed with the reason)", file=out)
    else:
        out.write(text)
    if args.compare:
        result = compare(data, raw(args.compare))
        print(f"against {args.compare}: found {len(result['found'])}, found with other params "
              f"{len(result['params-differ'])}, missed {len(result['missed'])}, invented {len(result['invented'])}",
              file=out)
        for key in ("params-differ", "missed", "invented", "base"):
            if result[key]:
                print(f"  {key}: {', '.join(result[key])}", file=out)
    return 0
