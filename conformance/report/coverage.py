"""The coverage of the documents: every normative sentence a catalog lists (a catalog `conformance derive` wrote
lists them), the rules that check it and, in a run, their verdicts; or why no rule does. One computation for
`conformance rules --coverage` (no run: no verdicts), the JSON report (``coverage``), the HTML report and the
terminal's summary line.

    {"checked": N, "sentences": M,
     "verdicts": {"failed": .., "accepted": .., "advisory": .., "passed": .., "skipped": .., "unchecked": ..},
     "rows": [{document, document_title, section, quote, severity, trigger,
               rules: [{id, status}], verdict, kind?, why?, switched_off?}]}

A sentence's verdict is its rules' worst: failed, then accepted (by the baseline), advisory (an example's value),
passed, skipped (no rule of it judged an operation in this run); ``unchecked`` where no rule of the run checks it.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .sources import with_title

VERDICT_ORDER = ("failed", "accepted", "advisory", "passed", "skipped")
UNCHECKED = "unchecked"
NO_REASON = "no rule and no reason given"


def _key(source: Mapping[str, Any]) -> tuple[Any, Any]:
    return source.get("quote"), source.get("document")


def sentence_verdict(statuses: list[str]) -> str:
    """The worst of the rules' statuses (a rule not run in this run counts as skipped)."""
    for verdict in VERDICT_ORDER:
        if verdict in statuses:
            return verdict
    return "skipped" if statuses else UNCHECKED


def coverage(normative: Iterable[Mapping[str, Any]], rules: Mapping[str, Mapping[str, Any]],
             unobservable: Iterable[Mapping[str, Any]], *, statuses: Mapping[str, str] | None = None,
             titles: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The coverage of the catalog's normative sentences by ``rules`` (rule id -> its source), the rules of the run;
    ``statuses`` (rule id -> its status in the run) gives each rule's verdict, None outside a run. None where the
    catalog lists no normative sentence (a hand-written catalog: it has no coverage to show)."""
    normative = list(normative)
    if not normative:
        return None
    why = {_key(u.get("source") or {}): u for u in unobservable}
    rows: list[dict[str, Any]] = []
    for entry in normative:
        quoting = [rule_id for rule_id, source in rules.items() if source.get("quote") == entry["quote"]
                   and source.get("document", entry.get("document")) == entry.get("document")]
        named = list(dict.fromkeys([*entry.get("rules", []), *quoting]))
        ids = [rule_id for rule_id in named if rule_id in rules]
        row: dict[str, Any] = {**with_title({"document": entry.get("document", ""), "section": entry.get("section", ""),
                                              "quote": entry["quote"]}, titles or {}),
                               "severity": entry.get("severity", ""), "trigger": entry.get("trigger", "")}
        if statuses is None:
            row["rules"] = [{"id": rule_id} for rule_id in ids]
        else:
            row["rules"] = [{"id": rule_id, "status": statuses.get(rule_id, "skipped")} for rule_id in ids]
        if ids:
            row["verdict"] = sentence_verdict([r.get("status", "skipped") for r in row["rules"]]) \
                if statuses is not None else "checked"
        else:
            row["verdict"] = UNCHECKED
            item = why.get((entry["quote"], entry.get("document")))
            off = [rule_id for rule_id in named if rule_id not in rules]
            if off:
                row["kind"], row["switched_off"] = "switched-off", off
                row["why"] = f"Its rules ({', '.join(off)}) are not in this run's catalog (switched off or removed)."
            elif item:
                row["kind"], row["why"] = item.get("kind", "unobservable"), item.get("why", "")
            else:
                row["kind"], row["why"] = "none", NO_REASON
        rows.append(row)
    checked = sum(1 for row in rows if row["verdict"] != UNCHECKED)
    verdicts = {verdict: sum(1 for row in rows if row["verdict"] == verdict) for verdict in (*VERDICT_ORDER, UNCHECKED)}
    if statuses is None:
        verdicts = {"checked": checked, UNCHECKED: len(rows) - checked}
    return {"checked": checked, "sentences": len(rows), "verdicts": verdicts, "rows": rows}


def breakdown(data: Mapping[str, Any]) -> str:
    """What the checked sentences' rules found in a run: "11 passed, 1 failed" ("" outside a run)."""
    verdicts = data.get("verdicts", {})
    return ", ".join(f"{verdicts[v]} {label}" for v, label in (
        ("passed", "passed"), ("failed", "failed"), ("accepted", "accepted by the baseline"), ("advisory", "advisory"),
        ("skipped", "not judged in this run")) if verdicts.get(v))


def headline(data: Mapping[str, Any]) -> str:
    """"12 of 14 normative sentences checked", and in a run what their rules found."""
    text = f"{data['checked']} of {data['sentences']} normative sentence{'s' if data['sentences'] != 1 else ''} checked"
    found = breakdown(data)
    return text + (f" ({found})" if found else "")
