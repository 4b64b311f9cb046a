"""The requests session every request of a run goes through (``GuardedSession``), and urllib3 as the run uses
it: a header warning that is the API's fault kept out of the user's output, and request targets passed as they
are where urllib3 would only re-encode them to the same bytes."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import requests
import urllib3.connectionpool

from .policy import MAX_429_RETRIES, Policy, Refused, RequestRefused, retry_after_seconds
from .watchdog import Watchdog, WatchedAdapter, watching


class _QuietHeaderWarnings(logging.Filter):
    """urllib3 logs a traceback when it cannot parse a response's headers; that is the API's fault and
    the exchange says so, so the warning (and its traceback) is left out of the user's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to parse headers")


logging.getLogger("urllib3.connection").addFilter(_QuietHeaderWarnings())


# urllib3 re-encodes every request target byte by byte, in Python, before sending it: tens of milliseconds for
# the 300 KB query strings schemathesis draws for some invalid requests, on every send. A target made only of
# characters it keeps as they are (and upper-case %XX) comes back unchanged from it, so it is passed as is.
_UNCLEAN = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]|%(?![0-9A-F]{2})")
_encode_target = urllib3.connectionpool._encode_target


def _clean_target(target: str) -> str:
    if target.startswith("/") and not _UNCLEAN.search(target):
        return target
    return _encode_target(target)


urllib3.connectionpool._encode_target = _clean_target


class GuardedSession(requests.Session):
    """Every request of a run goes through one of these, the reachability check and spec discovery too:
    the policy admits it (budget, rate cap, read-only), and each whole answer (status line, headers and a
    non-streamed body) is bounded by the read timeout, else ReadTimeout. Transport.send admits its
    requests itself and keeps its own watchdog over a streamed body."""

    def __init__(self, policy: Policy, *, retry_after_cap: float = 30.0, connections: int = 10) -> None:
        super().__init__()
        self.mount("http://", WatchedAdapter(pool_maxsize=max(10, connections)))
        self.mount("https://", WatchedAdapter(pool_maxsize=max(10, connections)))
        self.policy = policy
        self.retry_after_cap = retry_after_cap

    @property
    def sent(self) -> int:
        return self.policy.sent

    def send(self, request: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if watching():  # inside Transport.send: admitted, 429 handled there
            return super().send(request, **kwargs)
        for attempt in range(MAX_429_RETRIES + 1):  # the reachability check and spec discovery
            response = self._send_bounded(request, **kwargs)
            if response.status_code != 429 or attempt == MAX_429_RETRIES:
                return response
            response.close()
            wait = retry_after_seconds(response.headers.get("retry-after"))
            time.sleep(min(wait if wait is not None else 1.0, self.retry_after_cap))
        return response

    def _send_bounded(self, request: Any, **kwargs: Any) -> requests.Response:
        try:
            self.policy.admit(request.method or "GET")
        except Refused as refused:
            raise RequestRefused(str(refused)) from None
        timeout = kwargs.get("timeout")
        total = timeout[1] if isinstance(timeout, tuple) else timeout
        if not total:
            return super().send(request, **kwargs)
        with Watchdog(float(total)) as watchdog:
            try:
                response = super().send(request, **kwargs)
            except requests.RequestException:
                if watchdog.fired:
                    raise requests.exceptions.ReadTimeout(f"no complete answer within {total:g} s") from None
                raise
            if watchdog.fired:
                raise requests.exceptions.ReadTimeout(f"no complete answer within {total:g} s")
        return response
