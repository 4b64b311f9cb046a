"""The one place requests are sent: a shared session, timeouts on every call (body included), a bounded
body size, a rate cap, a request budget, the read-only switch, and honouring 429 Retry-After.

    policy.py    the run's limits (read-only, budget, rate cap, Retry-After pauses) and what a refused
                 request raises
    watchdog.py  a deadline for the whole answer, not only for each read
    session.py   the requests session every request goes through, set-up requests included
    sender.py    Transport: sending from many threads, the breaker, bounded bodies
    raw.py       HEAD over a socket of its own, to see what a server sends after the header section

Only this package touches the network.
"""

from .policy import BudgetSpent, Policy, Refused, RequestRefused
from .sender import USER_AGENT, Transport

__all__ = ["BudgetSpent", "Policy", "Refused", "RequestRefused", "Transport", "USER_AGENT"]
