"""A baseline of accepted violations: a small, sorted YAML file, one entry per (rule, operation).

    # conformance baseline: accepted violations; only violations not listed here fail the run.
    accepted:
    - rule: cors.vary-origin
      operation: GET /api/v1/projects
      reason: the CDN in front of the API adds Vary
      expires: 2027-03-31        # optional: after this day the violation counts again
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import UsageError

HEADER = "# conformance baseline: accepted violations; only violations not listed here fail the run.\n"
TODO_REASON = "TODO: say why this violation is accepted"


@dataclass(frozen=True)
class Entry:
    rule: str
    operation: str
    reason: str
    expires: dt.date | None = None

    def active(self, today: dt.date) -> bool:
        return self.expires is None or today <= self.expires

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rule": self.rule, "operation": self.operation, "reason": self.reason}
        if self.expires is not None:
            data["expires"] = self.expires.isoformat()
        return data


@dataclass
class Baseline:
    path: Path
    entries: dict[tuple[str, str], Entry]

    @classmethod
    def load(cls, path: Path, *, missing_ok: bool = False) -> Baseline:
        if not path.exists():
            if missing_ok:
                return cls(path, {})
            raise UsageError(f"The baseline file {path} does not exist: create it with --conformance-update-baseline.")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise UsageError(f"The baseline file {path} is not valid YAML{where}.") from None
        if not isinstance(data, dict) or not isinstance(data.get("accepted", []), list):
            raise UsageError(f"The baseline file {path} must hold a list under 'accepted'.")
        entries: dict[tuple[str, str], Entry] = {}
        for number, item in enumerate(data.get("accepted", []), 1):
            if not isinstance(item, dict) or not {"rule", "operation", "reason"} <= set(item):
                raise UsageError(f"The baseline file {path}: entry {number} needs rule, operation and reason.")
            expires = item.get("expires")
            if isinstance(expires, str):
                try:
                    expires = dt.date.fromisoformat(expires)
                except ValueError:
                    raise UsageError(f"The baseline file {path}: entry {number} has expires {expires!r}; "
                                     "use a date such as 2027-03-31.") from None
            entry = Entry(str(item["rule"]), str(item["operation"]), str(item["reason"]), expires)
            entries[(entry.rule, entry.operation)] = entry
        return cls(path, entries)

    def accepts(self, rule: str, operation: str, today: dt.date | None = None) -> Entry | None:
        entry = self.entries.get((rule, operation))
        if entry is not None and entry.active(today or dt.date.today()):
            return entry
        return None

    def expired(self, today: dt.date | None = None) -> list[Entry]:
        return [e for e in self.entries.values() if not e.active(today or dt.date.today())]

    def unexplained(self) -> list[Entry]:
        """Entries that accept a violation without saying why (the reason --conformance-update-baseline writes,
        TODO_REASON, or any reason that starts with TODO)."""
        return [e for _, e in sorted(self.entries.items()) if not e.reason.strip() or
                e.reason.strip().upper().startswith("TODO")]

    def fixed(self, failing: set[tuple[str, str]]) -> list[Entry]:
        """Entries whose violation no longer occurs."""
        return [e for key, e in sorted(self.entries.items()) if key not in failing]

    def updated(self, failing: set[tuple[str, str]]) -> Baseline:
        """The baseline for the current run: today's violations, keeping earlier reasons and expiry dates."""
        entries = {key: self.entries.get(key) or Entry(key[0], key[1], TODO_REASON) for key in failing}
        return Baseline(self.path, entries)

    def write(self) -> None:
        items = [self.entries[key].as_dict() for key in sorted(self.entries)]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(HEADER + yaml.safe_dump({"accepted": items}, sort_keys=False, width=100),
                             encoding="utf-8")
