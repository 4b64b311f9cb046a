"""A big API end to end: a whole run of ours against stripe-mock (452 operations) beside schemathesis' CLI
(`st run --workers W`), with the same examples per operation. Both go through a counting proxy in this process,
which counts the requests each sent and when the first and the last arrived. Prints wall time, requests and
the ratios. See bench/README.md.

    .venv/bin/python bench/bigapi.py [--url URL] [--spec FILE] [--examples N] [--workers W] [--concurrency N]
                                     [--parallel P] [--repeat K] [--warm]

stripe-mock is started by ../shared/realworld/recipes/start_targets.sh stripe-mock (http://127.0.0.1:8010).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (Rates, PYTHON, REPO, CountingProxy, child_dir, environment_note, median, run_child,  # noqa: E402
                    table)

SHARED = REPO.parent / "shared" / "realworld"
SPEC = SHARED / "specs" / "stripe-spec3.apisguru.json"
URL = "http://127.0.0.1:8010"
TOKEN = "sk_test_conformance_bench"  # stripe-mock takes any sk_test_ key
ST = str(Path(PYTHON).with_name("st"))


@dataclass
class Measure(Rates):
    cpu: float
    returncode: int
    summary: str


def measure(name: str, argv: list[str], upstream: str, cwd: Path) -> Measure:
    with CountingProxy(upstream) as proxy:
        child = run_child([a.replace("{URL}", proxy.url) for a in argv], cwd=cwd, timeout=3600)
        counter = proxy.counter
    lines = [line.strip("= ") for line in child.output.strip().splitlines() if line.strip()]
    summary = next((line for line in reversed(lines) if " in " in line and ("passed" in line or "failed" in line
                                                                          or "failures" in line)), lines[-1] if lines else "")
    return Measure(name, counter.count, child.wall, counter.window, child.cpu, child.returncode, summary[:80])


def ours(args: argparse.Namespace, workers: int = 0) -> tuple[str, list[str]]:
    name = "conformance" + (f" -n {workers}" if workers else "")
    argv = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--conformance-url={URL}",
            f"--conformance-spec={args.spec}", "--conformance-profile=connectnow", f"--conformance-token={TOKEN}",
            f"--conformance-max-examples={args.examples}", "--conformance-seed=1"]
    if args.concurrency:
        argv.append(f"--conformance-concurrency={args.concurrency}")
    return name, argv + (["-n", str(workers)] if workers else [])


def schemathesis_cli(args: argparse.Namespace) -> tuple[str, list[str]]:
    return f"st run -w {args.workers}", [
        ST, "run", str(args.spec), "--url", "{URL}", "-H", f"Authorization: Bearer {TOKEN}", "--phases", "fuzzing",
        "-n", str(args.examples), "-w", str(args.workers), "--generation-database", "none", "--seed", "1",
        "--no-color"]


def reachable(url: str) -> bool:
    import requests

    try:
        requests.get(url + "/v1/customers", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        return True
    except requests.RequestException:
        return False


HEADERS = ["run", "requests", "wall s", "e2e req/s", "window s", "in-window req/s", "client CPU s", "exit",
           "says"]


def row(m: Measure) -> list:
    return [m.name, m.requests, m.wall, m.e2e_rps, m.window, m.window_rps, m.cpu, m.returncode, m.summary]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=URL, help=f"stripe-mock (default {URL})")
    parser.add_argument("--spec", type=Path, default=SPEC, help="its OpenAPI description")
    parser.add_argument("--examples", type=int, default=2, help="examples per operation, both tools (default 2)")
    parser.add_argument("--workers", type=int, default=8, help="st run --workers (default 8, our concurrency's)")
    parser.add_argument("--concurrency", type=int, default=0, help="ours: --conformance-concurrency (default: ours)")
    parser.add_argument("--parallel", type=int, default=0, metavar="P", help="also run ours with -n P")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions; medians are printed (default 1)")
    parser.add_argument("--warm", action="store_true", help="cached Hypothesis unicode tables (see run.py --warm)")
    parser.add_argument("--skip-if-absent", action="store_true",
                        help="exit 0 (saying so) when stripe-mock or its spec is not there (make bench)")
    args = parser.parse_args(argv)
    absent = 0 if args.skip_if_absent else 2
    if not args.spec.is_file():
        print(f"No spec at {args.spec}: pass --spec FILE.")
        return absent
    if not reachable(args.url):
        print(f"Nothing answers at {args.url}: start stripe-mock with {SHARED}/recipes/start_targets.sh stripe-mock, "
              "or pass --url.")
        return absent
    print(f"# bench/bigapi.py: {args.spec.name} against {args.url}, {args.examples} examples per operation, "
          f"{args.repeat} repeat(s); {environment_note()}")
    print(f"# ours: pytest --conformance-profile=connectnow --conformance-max-examples={args.examples} (every rule: "
          "its probes and sequences too)")
    print(f"# st:   st run --phases fuzzing -n {args.examples} -w {args.workers} (its built-in checks)")
    print()
    runs: dict[str, list[Measure]] = {}
    for repeat in range(1, args.repeat + 1):
        batch = []
        name, command = ours(args)
        batch.append(measure(name, command, args.url, child_dir("big-ours", warm=args.warm)))
        name, command = schemathesis_cli(args)
        batch.append(measure(name, command, args.url, child_dir("big-st", warm=args.warm)))
        if args.parallel:
            name, command = ours(args, args.parallel)
            batch.append(measure(name, command, args.url, child_dir("big-ours-n", warm=args.warm)))
        for m in batch:
            runs.setdefault(m.name, []).append(m)
        print(f"repeat {repeat}/{args.repeat}")
        print(table(HEADERS, [row(m) for m in batch]))
        print(flush=True)
    st_name = f"st run -w {args.workers}"
    rows = []
    for name, measures in runs.items():
        if name == st_name:
            continue
        pairs = list(zip(measures, runs[st_name]))
        rows.append([f"{name} / {st_name}", median([a.wall / b.wall for a, b in pairs]),
                     median([a.e2e_rps / b.e2e_rps for a, b in pairs]),
                     median([a.requests / b.requests for a, b in pairs]), "wall <= 0.5"])
    print(table(["ratio (median of the repeats' ratios)", "wall time", "e2e req/s", "requests", "target"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
