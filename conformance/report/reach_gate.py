"""The reach gate: a run that reached too few of the API's operations does not pass, however green its rules.

``--conformance-min-reach=PERCENT`` asks that at least that share of the operations was reached (a valid request
got a 2xx); 100 is the strict form. ``--conformance-reach-exclude`` names operations it does not count. Pure: it
reads the report's reach summary, so the plugin and `conformance merge` gate alike.
"""

from __future__ import annotations

import fnmatch
from typing import Any


def reach_gate(reach: dict[str, Any], minimum: float | None, exclude: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The gate's verdict on a reach summary ({reached, operations, by_operation}), or None without a minimum."""
    if minimum is None:
        return None
    counted = {label: entry for label, entry in reach["by_operation"].items()
               if not any(fnmatch.fnmatchcase(label, glob) for glob in exclude)}
    reached = sum(1 for entry in counted.values() if entry["reached"])
    percent = 100.0 * reached / len(counted) if counted else 100.0
    unreached = [{"operation": label, "hint": entry.get("hint", "")} for label, entry in counted.items()
                 if not entry["reached"]]
    return {"minimum": minimum, "reached": reached, "operations": len(counted), "excluded": len(reach["by_operation"]) - len(counted),
            "percent": round(percent, 1), "passed": percent >= minimum, "unreached": unreached}


def gate_line(gate: dict[str, Any]) -> str:
    """One sentence for a gate that failed."""
    excluded = f" ({gate['excluded']} excluded)" if gate["excluded"] else ""
    return (f"REACH BELOW THE MINIMUM: {gate['reached']} of {gate['operations']} operations{excluded} reached "
            f"({gate['percent']:g}%); --conformance-min-reach asks for {gate['minimum']:g}%, so the run fails. "
            f"Not reached ({len(gate['unreached'])}):")


__all__ = ["gate_line", "reach_gate"]
