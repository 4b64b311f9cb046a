"""The terminal's text: a failed verdict as its test item shows it, and the run's summary. Plain lines, each with
its colour as keyword flags (``red=True``) for whatever writes them: the plugin hands them to pytest's terminal
writer. Nothing here knows pytest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .coverage import headline
from .reach_gate import gate_line
from .records import exchange_record
from .sources import document_titles, source_label

if TYPE_CHECKING:
    from ..baseline import Baseline
    from ..catalog import Catalog
    from ..models import Verdict
    from ..redaction import Redactor
    from .run import RunRecord

MAX_UNREACHED_SHOWN = 10
MAX_CURL_SHOWN = 2000  # characters of a curl command the terminal shows

Line = tuple[str, dict[str, bool]]  # the text, and its markup for the terminal writer


def failure_text(verdict: Verdict, *, redactor: Redactor, catalog: Catalog, baseline: Baseline | None) -> str:
    """A failed verdict as its test item shows it: the rule and its source, each violation with what came back
    and how to reproduce it, then how to fix or silence it."""
    rule = verdict.rule
    lines = [f"{rule.id} ({rule.severity}): {rule.title}",
             f"Operation: {verdict.operation}",
             f"Source:    {source_label(rule.source, document_titles(catalog.documents), quote=True)}"]
    if verdict.critical:
        lines.append("CRITICAL:  the operation ignores authentication")
    extra = verdict.violation_count - len(verdict.violations)
    for number, violation in enumerate(verdict.violations, 1):
        lines.append("")
        lines.append(f"{number}. {redactor.text(violation.message)}")
        if violation.exchange is not None:
            record = exchange_record(violation.exchange, redactor)
            response = record["response"]
            if response is not None:
                lines.append(f"   Received: {response['status']} {response['headers'].get('content-type', '')}".rstrip())
                if response["body"]:
                    lines.append(f"   Body:     {response['body'][:200]}")
            needs = " and ".join(record["curl_env"])
            curl = record["curl"]
            if len(curl) > MAX_CURL_SHOWN:  # a URL of hundreds of kilobytes: the reports have it whole
                curl = f"{curl[:MAX_CURL_SHOWN]}... ({len(curl) // 1024} KB in all: the JSON and HTML reports have it whole)"
            lines.append(f"   Reproduce with{f' (set {needs} first)' if needs else ''}: {curl}")
    if extra > 0:
        lines.append(f"\n... and {extra} more violation(s) of this rule on this operation.")
    expired = baseline.entries.get((rule.id, verdict.operation)) if baseline else None
    if expired is not None and expired.expires is not None:
        lines.append(f"\nThe baseline accepted this until {expired.expires.isoformat()} ({expired.reason}); "
                     "it has expired, so it counts again.")
    lines.append("")
    if rule.check == "auth.valid-credentials":
        lines.append("Check the credential given with --conformance-token (or CONFORMANCE_TOKEN), and that the API "
                     "takes it the way the profile says it travels; switch the rule off only if the document is wrong:")
    else:
        lines.append(f"Silence it for this operation in your catalog (extends: {catalog.profile}):")
    lines.append(f"  rules: [{{id: {rule.id}, overrides: [{{match: {{operations: ['{verdict.operation}']}}, "
                 f"enabled: false, reason: '...'}}]}}]")
    return "\n".join(lines)


def not_judged(reach: dict[str, Any]) -> str:
    """What an incomplete reach means, said plainly beside the count."""
    missing = reach["operations"] - reach["reached"]
    if missing <= 0:
        return ""
    return (f" ({missing} not reached: no rule judged {'it' if missing == 1 else 'them'} beyond what "
            f"{'its' if missing == 1 else 'their'} errors show)")


def credential_line(summary: dict[str, Any]) -> str:
    """The one line that says the credential given was refused, and what follows from it."""
    return (f"CREDENTIAL REFUSED: {summary['credential']['message']}. Every rule that needs it was not judged; "
            "check --conformance-token (or CONFORMANCE_TOKEN) and how the profile says it travels.")


def summary_lines(record: RunRecord) -> list[Line]:
    """The run's summary, from its record once finished: the counts, what was not reached, each failed rule,
    the errors, the baseline's news and the files written."""
    assert record.report is not None, "RunRecord.finish() first"
    out: list[Line] = []

    def write_line(text: str, **markup: Any) -> None:
        out.append((text, markup))

    summary = record.report["summary"]
    if summary["verdict"] == "failed" and not summary["new_failures"] and not summary.get("errors") and record.records:
        reasons = sorted({r["reason"] for r in record.report["rules"] if r["status"] == "skipped" and r["reason"]})
        write_line(f"No rule could judge the API itself, so this run does not pass: "
                   f"{reasons[0] if reasons else ''}",
                   red=True)
    reach = summary["reach"]
    if summary["credential"]["status"] == "refused":
        write_line(credential_line(summary), red=True)
    accepted = f"{summary['accepted']} accepted by the baseline, " if summary.get("baseline") else ""
    advisory = f"{summary['advisory']} advisory (the document's example), " if summary.get("advisory") else ""
    write_line(
        f"profile {summary['profile']}: {summary['failed']} rule{'' if summary['failed'] == 1 else 's'} failed, {accepted}{advisory}{summary['passed']} "
        f"passed, {summary['skipped']} skipped; reached {reach['reached']} of {reach['operations']} operations"
        f"{not_judged(reach)}; "
        f"{summary['requests']} requests in {summary['duration_s']:.1f} s",
        green=summary.get("verdict") == "passed" and bool(accepted or advisory))
    if summary.get("coverage"):  # a catalog that lists its documents' normative sentences (conformance derive)
        write_line(f"coverage of the document: {headline(summary['coverage'])}; the reports list each sentence")
    gate = reach.get("gate")
    if gate is not None and not gate["passed"]:
        write_line(gate_line(gate), red=True)
        for entry in gate["unreached"]:
            write_line(f"  UNREACHED {entry['operation']}: {entry['hint']}", red=True)
    unreached = [(label, entry) for label, entry in reach["by_operation"].items() if not entry["reached"]
                 and not (gate is not None and not gate["passed"])]  # (listed once: by the gate, when it failed)
    for label, entry in unreached[:MAX_UNREACHED_SHOWN]:
        write_line(f"  UNREACHED {label}: {entry['hint']}", yellow=True)
    if len(unreached) > MAX_UNREACHED_SHOWN:
        write_line(f"  ... and {len(unreached) - MAX_UNREACHED_SHOWN} more operations not reached "
                   "(see the reports)", yellow=True)
    for rule in record.report["rules"]:
        if rule["status"] not in ("failed", "accepted", "advisory"):
            continue
        failing = [v for v in rule["operations"].values() if v["status"] == "failed"]
        new = sum(1 for v in failing if not v.get("baselined") and not v.get("advisory"))
        if rule["status"] == "advisory":  # examples are not requirements: it informs, never fails the run
            write_line(f"  advisory (the document's example): {rule['id']} ({rule['severity']}) on "
                       f"{len(failing)} operation(s)")
            continue
        if rule["status"] == "accepted":
            write_line(f"  accepted by the baseline: {rule['id']} ({rule['severity']}) on "
                       f"{len(failing)} operation(s)")
            continue
        critical = " CRITICAL" if any(v.get("critical") for v in rule["violations"]) else ""
        more = f", {len(failing) - new} more accepted by the baseline" if new < len(failing) else ""
        write_line(f"  FAILED {rule['id']} ({rule['severity']}){critical}: "
                   f"{new} operation(s){more}", red=True)
    for error in summary.get("errors", []):  # not judged: an operation the spec defines unusably, or a tool error
        write_line(f"  ERROR on {error['operation']}: {error['reason']}", red=True)
    baseline = summary.get("baseline")
    if baseline:
        write_line(f"baseline {baseline['file']}: {baseline['accepted']} failure(s) accepted, "
                   f"{summary['new_failures']} new")
        for entry in baseline["fixed"]:
            write_line(f"  FIXED {entry['rule']} on {entry['operation']}: no longer occurs; "
                       "remove it from the baseline", green=True)
        for entry in baseline.get("unexplained", []):
            write_line(f"  NO REASON {entry['rule']} on {entry['operation']}: the baseline accepts it with "
                       f"'{entry['reason']}'; say why it is accepted", yellow=True)
        for entry in baseline["expired"]:
            write_line(f"  EXPIRED {entry['rule']} on {entry['operation']} "
                       f"(expired {entry['expires']}): it counts again", yellow=True)
    for kind, path in record.written:
        write_line(f"{kind} report: {path}")
    return out
