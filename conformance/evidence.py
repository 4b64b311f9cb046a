"""Evidence: what exercising one operation produced, frozen, and what each of its exchanges can prove.

An exchange proves something about a rule only where what the rule assumes holds for it. Those assumptions
are the preconditions below; a check declares once which it needs (``Check.needs``), and the judge drops
exactly the exchanges that fail one of them, never more:

* ``ANSWERED``: a complete answer came back (a check that judges failures takes the others too);
* ``UNTHROTTLED``: the answer is not a 429 (a throttled answer says nothing but that it was throttled);
* ``RESOURCE``: the resource the request named exists. An answer 404 or 410 where it should exist is about
  the path, not about what the request carried; every rule drops it while the operation was never reached;
* ``CREDENTIAL``: the valid credential is accepted on this operation and the channel it travelled. A rule
  about what the API did with a request (its method, its body, its id, a credential without permission)
  needs it; a rule about the answer itself (its media type, its envelope, its CORS headers) does not: a
  ``text/plain`` 401 breaks a JSON promise whatever the credential.

The fourth assumption, that the operation's definition could be drawn, holds for a whole operation: one
that cannot is one finding of its own, and no evidence is built for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping

from .credentials import CredentialCheck
from .models import Exchange, PathValue, Skip

ANSWERED, UNTHROTTLED, RESOURCE, CREDENTIAL = "answered", "unthrottled", "resource", "credential"
PRECONDITIONS = (ANSWERED, UNTHROTTLED, RESOURCE, CREDENTIAL)
REFUSED = 401  # the answer that says a credential was not accepted (403: accepted, but without the permission)



@dataclass(frozen=True)
class Evidence:
    """Everything one operation's run produced, in plan order, and the run-wide facts its verdicts read."""

    operation: str  # the operation's label, e.g. "GET /items/{id}"
    exchanges: tuple[Exchange, ...] = ()
    results: Mapping[str, Any] = field(default_factory=dict)  # the probes' typed results (HeadPair, CrudResult, PageWalk, ...)
    probe_skips: Mapping[str, str] = field(default_factory=dict)  # why a probe sent nothing
    generation_skip: str | None = None  # why generated requests stopped (read-only, the budget)
    reached: bool = False  # a valid request to the operation got a 2xx
    path_reached: bool = False  # a valid request to any operation on its path got a 2xx
    reached_values: Mapping[str, PathValue] = field(default_factory=dict)  # the path values its requests used
    credential: CredentialCheck = field(default_factory=lambda: CredentialCheck("unchecked"))
    forbidden: CredentialCheck = field(default_factory=lambda: CredentialCheck("unchecked"))
    unreached_hint: str = ""  # what would reach the operation, where nothing did

    def of_kind(self, kind: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.kind == kind]

    def result(self, probe: str) -> Any:
        """A probe's typed result; Skip with the probe's reason when it has none."""
        if probe in self.results:
            return self.results[probe]
        raise Skip(self.probe_skips.get(probe, f"the {probe} probe sent no request"))

    # -- the credential, on this operation and channel ----------------------------------------------------
    @cached_property
    def channels(self) -> tuple[frozenset[str], Mapping[str, str]]:
        """The channels the valid credential was accepted on for this operation (a request of the operation with
        it sent that way got a 2xx), and those it was not, with why: such a request got 401 and none a 2xx, or
        the run's credential check was refused that way and no request of the operation shows otherwise."""
        accepted: set[str] = set()
        refused: dict[str, str] = {}
        for exchange in self.exchanges:
            if (exchange.credential != "valid" or not exchange.channel or exchange.response is None
                    or exchange.operation != self.operation or not _aimed_at_what_exists(exchange)):
                continue
            if exchange.ok:
                accepted.add(exchange.channel)
            elif exchange.response.status == REFUSED or (exchange.response.status == 403 and self.credential.refused):
                refused.setdefault(exchange.channel, f"{self.operation} answered {exchange.response.status} to the "
                                                     f"valid credential sent {exchange.channel}")
        if self.credential.refused:
            refused.setdefault(self.credential.channel, self.credential.describe())
        return frozenset(accepted), MappingProxyType({c: why for c, why in refused.items() if c not in accepted})

    def refusal(self, exchange: Exchange | None = None) -> str | None:
        """Why the valid credential is not accepted for what this exchange asked (None: it is). An exchange with
        the valid credential is judged by the channel it used, and by its own answer (401 says it was not
        accepted there). One with another credential (none, invalid, without permission, an unsupported channel)
        proves something only where the valid credential is accepted on the operation that way (the same channel
        for the credential without permission, any channel for the others). Without an exchange: is the valid
        credential accepted on the operation any way at all?"""
        accepted, refusals = self.channels
        if exchange is None or exchange.credential not in ("valid", "forbidden") or not exchange.channel:
            return next(iter(refusals.values())) if refusals and not accepted else None
        if exchange.credential == "valid" and exchange.response is not None and exchange.response.status == REFUSED:
            return (f"{exchange.request.method} answered 401 to the valid credential sent {exchange.channel}, so the "
                    "API never judged the request itself")
        return refusals.get(exchange.channel)

    # -- preconditions ------------------------------------------------------------------------------------
    def unmet(self, exchange: Exchange, needs: frozenset[str]) -> str | None:
        """The first precondition in ``needs`` that fails for this answered exchange (None: it can prove the rule).
        A resource never reached fails RESOURCE for every rule while the operation itself was never reached."""
        status = exchange.response.status if exchange.response is not None else None
        if status is None:
            return ANSWERED if ANSWERED in needs else None
        if status == 429 and UNTHROTTLED in needs:
            return UNTHROTTLED
        if exchange.unreached and (RESOURCE in needs or not self.reached):
            return RESOURCE
        if CREDENTIAL in needs and self.refusal(exchange) is not None:
            return CREDENTIAL
        return None


def _aimed_at_what_exists(exchange: Exchange) -> bool:
    """Aimed at resources known to exist: an answer about anything else says nothing about a credential (some
    APIs hide what does not exist behind 403 or 401, Kinto among them)."""
    return exchange.target != "unknown" and not exchange.unreached and not exchange.invented


__all__ = ["ANSWERED", "CREDENTIAL", "Evidence", "PRECONDITIONS", "RESOURCE", "UNTHROTTLED"]
