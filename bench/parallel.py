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
    parser.add_argument("--examples", type=int, default=300, help="generated examples per operation (default 300)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; medians are printed (default 3)")
    parser.add_argument("--warm", action="store_true", help="cached Hypothesis unicode tables (see run.py --warm)")
    args = parser.parse_args(argv)

    print(f"# bench/parallel.py: featbit demo, {args.examples} examples per operation, -n {args.workers} vs serial, "
          f"{args.repeat} repeat(s); {environment_note()}")
    serial, parallel = [], []
    for repeat in range(1, args.repeat + 1):
        serial.append(run_ours(args.examples, warm=args.warm))
        parallel.append(run_ours(args.examples, args.workers, warm=args.warm))
        print(f"repeat {repeat}/{args.repeat}")
        print(table(ROW_HEADERS, [row(serial[-1]), row(parallel[-1])]))
        print(flush=True)
    print(f"medians of {args.repeat}")
    print(table(ROW_HEADERS[:-2], [medians(ms[0].name, ms)[:-2] for ms in (serial, parallel)]))
    print()
    pairs = list(zip(serial, parallel))
    print(table([f"speedup of -n {args.workers} (median of the repeats' ratios)", "value", "target"], [
        ["wall time, serial / parallel", median([s.wall / p.wall for s, p in pairs]), ">= 1.6"],
        ["in-window req/s, parallel / serial", median([p.window_rps / s.window_rps for s, p in pairs]), ""],
        ["client CPU s, parallel - serial", median([p.cpu - s.cpu for s, p in pairs]), ""],
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
