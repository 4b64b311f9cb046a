"""Parallel: our plugin with pytest-xdist (-n W) against serial, same demo server, same seed.

    .venv/bin/python bench/parallel.py [--examples N] [--workers W] [--repeat K] [--warm]

The plugin switches xdist's default "load" to "loadscope", so each operation's rules stay on one worker and its
requests are sent once. The issue's target: a speedup of at least 1.6x with -n 2, measured with enough examples that
the requests (not the start-up) dominate, and a server that is not the bottleneck (compare the raw loop of run.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import environment_note, median, table  # noqa: E402
from run import ROW_HEADERS, medians, row, run_ours  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100, help="generated examples per operation (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; medians are printed (default 3)")
    parser.add_argument("--warm", action="store_true", help="cached Hypothesis unicode tables (see run.py --warm)")
    parser.add_argument("--fast-inflect", action="store_true",
                        help="what-if: import inflect without typeguard's instrumentation in every process "
                             "(a sitecustomize on PYTHONPATH; see README.md, fix 1)")
    args = parser.parse_args(argv)

    print(f"# bench/parallel.py: featbit demo, {args.examples} examples per operation, -n {args.workers} vs serial, "
          f"{args.repeat} repeat(s); {environment_note()}")
    variants = [False, True] if args.fast_inflect else [False]
    runs: dict[bool, tuple[list, list]] = {fast: ([], []) for fast in variants}
    for repeat in range(1, args.repeat + 1):
        batch = []
        for fast in variants:
            serial = run_ours(args.examples, warm=args.warm, fast_inflect=fast)
            parallel = run_ours(args.examples, args.workers, warm=args.warm, fast_inflect=fast)
            runs[fast][0].append(serial)
            runs[fast][1].append(parallel)
            batch += [serial, parallel]
        print(f"repeat {repeat}/{args.repeat}")
        print(table(ROW_HEADERS, [row(m) for m in batch]))
        print(flush=True)
    print(f"medians of {args.repeat}")
    print(table(ROW_HEADERS[:-2], [medians(ms[0].name, ms)[:-2] for fast in variants for ms in runs[fast]]))
    print()
    ratio_rows = []
    for fast in variants:
        serial, parallel = runs[fast]
        label = " (inflect w/o typeguard)" if fast else ""
        ratio_rows += [
            [f"wall time (serial / parallel){label}", median([m.wall for m in serial]) / median([m.wall for m in parallel])],
            [f"in-window req/s (parallel / serial){label}",
             median([m.window_rps for m in parallel]) / median([m.window_rps for m in serial])],
            [f"extra client CPU s of -n {args.workers}{label}",
             median([m.cpu for m in parallel]) - median([m.cpu for m in serial])],
        ]
    print(table([f"speedup of -n {args.workers}", "value"], ratio_rows))
    print("target: >= 1.6")
    return 0


if __name__ == "__main__":
    sys.exit(main())
