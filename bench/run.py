"""Speed, side by side, in one run: (a) our plugin, (b) schemathesis' own pytest integration with only its
built-in checks, (c) a raw requests.Session loop, all against the same local demo server, which counts the
requests it receives; and (d) schemathesis drawing (a)'s cases without sending them, the ceiling on (a)'s
generated requests. Prints req/s and the ratios a/b, a/c and d/c. See bench/README.md.

    .venv/bin/python bench/run.py [--examples N] [--repeat K] [--parallel W] [--warm] [--latency MS]
                                  [--concurrency N]
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Rates, PYTHON, CountingDemo, child_dir, environment_note, median, run_child, table  # noqa: E402

PROFILE = "featbit"
TOKEN = "demo-token"
COLLECTION = "/api/v1/projects"
LATENCY = 0.0  # seconds the demo waits before answering (--latency)
CONCURRENCY = 0  # --conformance-concurrency for (a); 0: the plugin's default

ST_MODULE = textwrap.dedent('''
    """schemathesis' pytest integration, built-in checks only (written by bench/run.py)."""
    import os

    import requests
    import schemathesis

    URL, N = os.environ["BENCH_URL"], int(os.environ["BENCH_EXAMPLES"])
    config = schemathesis.Config.from_dict({
        "headers": {"Authorization": os.environ["BENCH_TOKEN"]},
        "generation": {"max-examples": N, "database": "none", "no-shrink": True},
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
    })
    schema = schemathesis.openapi.from_url(URL + "/openapi.json", config=config)
    SESSION = requests.Session()
    SESSION.trust_env = False


    @schema.parametrize()
    def test_api(case):
        case.call_and_validate(session=SESSION)
''')

RAW_LOOP = textwrap.dedent('''
    import sys

    import requests

    url, count, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    session = requests.Session()
    session.trust_env = False
    for _ in range(count):
        session.get(url, headers={"Authorization": token}).content
''')


# (d) schemathesis' generation alone, no HTTP: the same operations, modes and counts as (a), drawn the way
# conformance.engine.draw_cases draws them (before (a) drops repeats). The window is the drawing time only.
GENERATION_ONLY = textwrap.dedent('''
    import sys, time
    import hypothesis, schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.core.result import Ok

    url, n = sys.argv[1], int(sys.argv[2])
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    drawn = 0
    started = time.perf_counter()
    for operation in operations:
        for mode, count in ((GenerationMode.POSITIVE, n), (GenerationMode.NEGATIVE, max(1, n // 2))):
            @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                      phases=[Phase.explicit, Phase.generate], print_blob=False, report_multiple_bugs=False)
            @given(case=operation.as_strategy(generation_mode=mode))
            def draw(case):
                global drawn
                drawn += 1
            try:
                hypothesis.seed(1)(draw)()
            except (hypothesis.errors.Unsatisfiable, hypothesis.errors.FailedHealthCheck):
                pass
    print(f"BENCH cases={drawn} seconds={time.perf_counter() - started:.4f}")
''')


@dataclass
class Measure(Rates):
    returncode: int
    summary: str
    cpu: float = 0.0
    server_cpu: float = 0.0  # CPU of this process while the child ran: the demo server's threads
    summary_full: str = ""
    startup: float = float("nan")  # from starting the child to the first request the server saw


def _last_line(output: str) -> str:
    lines = [line.strip("= ") for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:70] if lines else ""


def measure(name: str, argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            server_argv=None) -> Measure:
    with CountingDemo(PROFILE, latency=LATENCY) as server:
        full = server_argv(server.url) if server_argv else argv
        before = resource.getrusage(resource.RUSAGE_SELF)
        launched = time.monotonic()
        child = run_child(full, cwd=cwd, env={k: v.replace("{URL}", server.url) for k, v in (env or {}).items()})
        after = resource.getrusage(resource.RUSAGE_SELF)
        counter = server.counter
        server_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        startup = counter.first - launched if counter.first is not None else float("nan")
        return Measure(name, counter.count, child.wall, counter.window, child.returncode, _last_line(child.output),
                       child.cpu, server_cpu, child.output, startup)


def ours(examples: int, workers: int = 0, seed: int = 1) -> tuple[str, callable]:
    name = "(a) conformance" + (f" -n {workers}" if workers else "")

    def argv(url: str) -> list[str]:
        args = [PYTHON, "-m", "pytest", f"--conformance-url={url}", f"--conformance-profile={PROFILE}",
                f"--conformance-token={TOKEN}", f"--conformance-max-examples={examples}", f"--conformance-seed={seed}",
                "-p", "no:cacheprovider", "-q"]
        if CONCURRENCY:
            args.append(f"--conformance-concurrency={CONCURRENCY}")
        return args + (["-n", str(workers)] if workers else [])

    return name, argv


def run_ours(examples: int, workers: int = 0, warm: bool = False) -> Measure:
    name, argv = ours(examples, workers)
    return measure(name, [], cwd=child_dir("ours", warm=warm), server_argv=argv)


def run_schemathesis(examples: int, warm: bool = False) -> Measure:
    where = child_dir("st", warm=warm)
    (where / "test_st.py").write_text(ST_MODULE)
    return measure("(b) schemathesis pytest", [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_st.py"],
                   cwd=where, env={"BENCH_URL": "{URL}", "BENCH_EXAMPLES": str(examples), "BENCH_TOKEN": TOKEN})


def run_generation_only(examples: int, warm: bool = False) -> Measure:
    where = child_dir("gen", warm=warm)
    (where / "draw.py").write_text(GENERATION_ONLY)
    m = measure("(d) generation alone, no HTTP", [], cwd=where,
                server_argv=lambda url: [PYTHON, "draw.py", url, str(examples)])
    found = re.search(r"BENCH cases=(\d+) seconds=([\d.]+)", m.summary_full)
    m.requests, m.window = (int(found[1]), float(found[2])) if found else (0, 0.0)
    m.summary = f"{m.requests} cases drawn"
    return m


def run_raw(count: int) -> Measure:
    where = child_dir("raw")
    (where / "loop.py").write_text(RAW_LOOP)
    return measure("(c) raw requests loop", [], cwd=where,
                   server_argv=lambda url: [PYTHON, "loop.py", url + COLLECTION, str(count), TOKEN])


ROW_HEADERS = ["run", "requests", "wall s", "start-up s", "e2e req/s", "window s", "in-window req/s", "client CPU s",
               "server CPU s", "exit", "pytest says"]


def row(m: Measure) -> list:
    return [m.name, m.requests, m.wall, m.startup, m.e2e_rps, m.window, m.window_rps, m.cpu, m.server_cpu,
            m.returncode, m.summary]


def medians(name: str, runs: list[Measure]) -> list:
    return [name, int(median([m.requests for m in runs])), median([m.wall for m in runs]),
            median([m.startup for m in runs]), median([m.e2e_rps for m in runs]), median([m.window for m in runs]),
            median([m.window_rps for m in runs]), median([m.cpu for m in runs]), median([m.server_cpu for m in runs]),
            "", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100, help="generated examples per operation (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; medians are printed (default 3)")
    parser.add_argument("--parallel", type=int, default=0, metavar="W",
                        help="also run (a) with pytest-xdist -n W and print the speedup over serial")
    parser.add_argument("--warm", action="store_true",
                        help="give (a) and (b) a working directory with Hypothesis' unicode tables already cached "
                             "(a developer's second run); default: empty directories, as in CI")
    parser.add_argument("--latency", type=float, default=0.0, metavar="MS",
                        help="the demo answers every request this many milliseconds late, like an API across a "
                             "network (default 0: loopback)")
    parser.add_argument("--concurrency", type=int, default=0, metavar="N",
                        help="(a) with --conformance-concurrency=N (default: the plugin's own)")
    args = parser.parse_args(argv)
    global LATENCY, CONCURRENCY
    LATENCY = args.latency / 1000
    CONCURRENCY = args.concurrency

    print(f"# bench/run.py: demo profile {PROFILE}, {args.examples} examples per operation, {args.repeat} repeat(s)")
    print(f"# {environment_note()}" + (f"; the demo answers {args.latency:g} ms late" if args.latency else ""))
    print("# working directories: " + ("warm (Hypothesis' unicode tables cached in ./.hypothesis)" if args.warm else
                                       "empty (Hypothesis rebuilds its unicode tables in every run, as in CI)"))
    print("# (a) pytest --conformance-url=... --conformance-profile=featbit --conformance-max-examples=N: per operation"
          " at most N positive + N/2 negative generated requests (repeats are not sent), plus the probes its rules need"
          + (f"; --conformance-concurrency={args.concurrency}" if args.concurrency else "; concurrency: its default"))
    print("# (b) schemathesis.openapi.from_url + @schema.parametrize() + case.call_and_validate(session=...),"
          " fuzzing phase only, max-examples=N, no-shrink, built-in checks")
    print("# (c) requests.Session GET loop, as many requests as (a) sent in the same repeat")
    print("# (d) schemathesis drawing (a)'s generated cases (N positive + N/2 negative per operation) and sending none")
    print()
    runs: dict[str, list[Measure]] = {}
    for repeat in range(1, args.repeat + 1):
        batch = [run_ours(args.examples, warm=args.warm)]
        batch.append(run_schemathesis(args.examples, warm=args.warm))
        batch.append(run_raw(batch[0].requests))
        batch.append(run_generation_only(args.examples, warm=args.warm))
        if args.parallel:
            batch.append(run_ours(args.examples, workers=args.parallel, warm=args.warm))
        for m in batch:
            runs.setdefault(m.name, []).append(m)
        print(f"repeat {repeat}/{args.repeat}")
        print(table(ROW_HEADERS, [row(m) for m in batch]))
        print(flush=True)

    print(f"medians of {args.repeat}")
    print(table(ROW_HEADERS[:-2], [medians(name, ms)[:-2] for name, ms in runs.items()]))
    print()
    print(table(["ratio of req/s (median of the repeats' ratios)", "in-window", "end to end", "target"],
                ratio_rows(runs, args.parallel, args.latency)))
    print("in-window: the requests over the time from the first to the last one the server saw (start-up "
          "excluded); end to end: over the client's whole wall time. start-up: from starting the client to the "
          "first request the server saw. (d) is a ceiling on one drawing thread: drawing (a)'s cases alone, "
          "sending nothing, is not faster than that.")
    return 0


def paired(runs: dict[str, list[Measure]], first: str, second: str, rate: str) -> float:
    """The median over the repeats of first's rate / second's rate, each pair measured in the same repeat."""
    return median([getattr(x, rate) / getattr(y, rate) for x, y in zip(runs[first], runs[second])])


def ratio_rows(runs: dict[str, list[Measure]], workers: int, latency: float = 0.0) -> list[list]:
    a, b, c, d = "(a) conformance", "(b) schemathesis pytest", "(c) raw requests loop", "(d) generation alone, no HTTP"
    far = latency >= 20  # issue 13's targets: at 20 ms, twice schemathesis and faster than a serial raw loop
    rows = [
        ["a/b: ours over schemathesis alone", paired(runs, a, b, "window_rps"), paired(runs, a, b, "e2e_rps"),
         ">= 2.0" if far else ">= 1.0"],
        ["a/c: ours over a serial raw requests loop", paired(runs, a, c, "window_rps"), paired(runs, a, c, "e2e_rps"),
         ">= 1.0" if far else ">= 0.3"],
        ["d/c: drawing alone over a raw requests loop", paired(runs, d, c, "window_rps"), float("nan"), ""],
    ]
    if workers:
        p = f"(a) conformance -n {workers}"
        rows.append([f"speedup of -n {workers} (parallel over serial)", paired(runs, p, a, "window_rps"),
                     median([x.wall / y.wall for x, y in zip(runs[a], runs[p])]), ">= 1.6"])
    return rows


if __name__ == "__main__":
    sys.exit(main())
