"""The run's limits, in one place: read-only, the request budget, the rate cap and a pause the API asked for
(429 Retry-After). Every request of the process is admitted by the one Policy before it goes out, from whichever
thread, the set-up requests too.

What a request the limits forbid raises::

    models.Skip
     +-- Refused              not sent: --conformance-read-only, or the budget
          +-- BudgetSpent     the request budget is spent (--conformance-max-requests)
    requests.RequestException
     +-- RequestRefused       a set-up request (reachability, spec discovery) not sent
"""

from __future__ import annotations

import email.utils
import threading
import time

import requests

from ..models import Skip

MAX_429_RETRIES = 2


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delay-seconds or an HTTP date); None when it says nothing usable."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(min(int(value[:12]), 10**9))
    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None
    return max(0.0, seconds)


class RequestRefused(requests.exceptions.RequestException):
    """A set-up request (reachability, spec discovery) not sent: the run's limits forbid it."""


class Refused(Skip):
    """A request not sent because the run's limits forbid it: --conformance-read-only or the budget."""


class BudgetSpent(Refused):
    pass


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Policy:
    """The run's limits, in one place: read-only, the request budget, the rate cap and a pause the API asked
    for (429 Retry-After). Every request of the process is admitted here first, from whichever thread, the
    set-up requests too; a probe may ask ``allows`` before planning. One lock guards the counters."""

    def __init__(self, *, max_rps: float | None = None, max_requests: int | None = None, read_only: bool = False):
        self.min_interval = 1.0 / max_rps if max_rps else 0.0
        self.max_requests = max_requests
        self.read_only = read_only
        self.sent = 0
        self._lock = threading.Lock()
        self._gate = threading.Lock()  # under a rate cap or a pause, requests pass one at a time
        self._last = float("-inf")  # when the last request passed the gate
        self._not_before = 0.0  # a 429 asked every request to wait until then

    def pause(self, seconds: float) -> None:
        """No request of this process is sent for ``seconds`` from now (the API said Retry-After)."""
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    @property
    def budget_spent(self) -> bool:
        return self.max_requests is not None and self.sent >= self.max_requests

    def allows(self, method: str) -> bool:
        return not (self.read_only and method.upper() in WRITE_METHODS)

    def admit(self, method: str) -> None:
        """Count the request and wait for its slot under the rate cap; raises Refused when it may not go."""
        if not self.allows(method):
            raise Refused(f"a {method.upper()} would be sent, and --conformance-read-only is on")
        with self._lock:
            if self.budget_spent:
                raise BudgetSpent(f"the request budget is spent (--conformance-max-requests={self.max_requests})")
            self.sent += 1
            if not self.min_interval and self._not_before <= time.monotonic():
                return
        # One request at a time through the gate, each at least min_interval after the one before actually
        # passed (a thread that woke late does not squeeze the next one closer), none before a pause ends.
        with self._gate:
            while True:
                now = time.monotonic()
                with self._lock:
                    slot = max(self._last + self.min_interval, self._not_before)
                if slot <= now:
                    break
                time.sleep(slot - now)
            with self._lock:
                self._last = time.monotonic()
