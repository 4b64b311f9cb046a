"""A schemathesis hook module for bench/reach.py: after each call, append the operation and the status to a file.

Loaded by `st run` through SCHEMATHESIS_HOOKS=st_reach_hook (with bench/ on PYTHONPATH); the file is
$REACH_ST_LOG, one `METHOD<TAB>path template<TAB>method sent<TAB>status` line per response: the operation the case
belongs to, and the method really sent (schemathesis also tries methods the path does not declare). It only observes: it changes no request.
An NDJSON report holds every response body, which comes to gigabytes on the Stripe spec; these lines do not.
"""

from __future__ import annotations

import os
import threading

import schemathesis

_lock = threading.Lock()
_path = os.environ.get("REACH_ST_LOG", "st-reach.tsv")


@schemathesis.hook
def after_call(context, case, response) -> None:  # noqa: ANN001 (schemathesis' hook signature)
    operation = case.operation
    line = f"{operation.method.upper()}\t{operation.path}\t{case.method.upper()}\t{response.status_code}\n"
    with _lock, open(_path, "a", encoding="utf-8") as out:
        out.write(line)
