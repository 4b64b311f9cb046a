"""Serve one independent server by hand, to reproduce a finding with curl or the plugin:

    cd tests && ../.venv/bin/python -m independent featbit_flags --spec-out /tmp/featbit_flags.json

prints the URL and serves until interrupted. ``--variant`` writes the spec as the tests do (``listing``,
``documented`` or ``pinned``; see tests/test_independent_servers.py). The tokens are the module's
``TOKEN`` and ``READ_ONLY_TOKEN`` (``user:password`` for basic_crud_notes).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time

from .serving import LoopbackServer, with_examples, with_pinned_parents

APPS = {"featbit_flags": "FeatBitFlags", "connectnow_shop": "ConnectNowShop", "basic_crud_notes": "BasicCrudNotes"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m independent", description=__doc__.split("\n\n")[0])
    parser.add_argument("server", choices=sorted(APPS))
    parser.add_argument("--variant", choices=["listing", "documented", "pinned"], default="listing")
    parser.add_argument("--spec-out", help="write the OpenAPI description here")
    parser.add_argument("--access-log", action="store_true",
                        help="print each request line and status on stderr (query strings may hold a token)")
    args = parser.parse_args()
    module = importlib.import_module(f"{__package__}.{args.server}")
    app = getattr(module, APPS[args.server])()
    spec = {"listing": lambda s, ids: s, "documented": with_examples,
            "pinned": with_pinned_parents}[args.variant](module.SPEC, app.documented_ids())
    if args.spec_out:
        with open(args.spec_out, "w") as out:
            json.dump(spec, out, indent=2)
    log = (lambda line: print(line, file=sys.stderr, flush=True)) if args.access_log else None
    with LoopbackServer(app, access_log=log) as server:
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
