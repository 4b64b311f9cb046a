"""rate-limit: every 429 says when to come back. Passive: it judges the 429s that come anyway
(and those of the opt-in --conformance-rate-limit-probe)."""

from __future__ import annotations

from .registry import IGNORE, check


@check("rate-limit.retry-after", probes=["rate-limit"], judges_throttled=True, needs_credential=True,
       params={"type": "object", "properties": {"headers": {"type": "array", "items": {"type": "string"}}}})
def retry_after(ctx, exchange):
    if exchange.response.status != 429:
        return IGNORE
    names = ctx.params.get("headers", ["Retry-After"])
    if any(exchange.response.header(name) for name in names):
        return None
    return f"A 429 without {' or '.join(names)}: the client cannot tell when to retry."
