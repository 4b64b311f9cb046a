"""Speed, side by side, in one run: (a) our plugin, (b) schemathesis' own pytest integration with only its
built-in checks, (c) a raw requests.Session loop; all against the same local demo server, which counts the
requests it receives. See bench/README.md.

    .venv/bin/python bench/run.py [--examples N] [--repeat K] [--parallel W]
"""

from __future__ import annotations

import argparse
import resource
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, CountingDemo, child_dir, environment_note, median, run_child, table  # noqa: E402

PROFILE = "featbit"
TOKEN = "demo-token"
COLLECTION = "/api/v1/projects"

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


@dataclass
class Measure:
    name: str
    requests: int
    wall: float
    window: float
    returncode: int
    summary: str
    cpu: float = 0.0
    server_cpu: float = 0.0  # CPU of this process while the child ran: the demo server's threads

    @property
    def e2e_rps(self) -> float:
        return self.requests / self.wall if self.wall else float("nan")

    @property
    def window_rps(self) -> float:
        return self.requests / self.window if self.window else float("nan")


def _last_line(output: str) -> str:
    lines = [line.strip("= ") for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:70] if lines else ""


def measure(name: str, argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            server_argv=None) -> Measure:
    with CountingDemo(PROFILE) as server:
        full = server_argv(server.url) if server_argv else argv
        before = resource.getrusage(resource.RUSAGE_SELF)
        child = run_child(full, cwd=cwd, env={k: v.replace("{URL}", server.url) for k, v in (env or {}).items()})
        after = resource.getrusage(resource.RUSAGE_SELF)
        counter = server.counter
        server_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return Measure(name, counter.count, child.wall, counter.window, child.returncode, _last_line(child.output),
                       child.cpu, server_cpu)


def ours(examples: int, workers: int = 0, seed: int = 1) -> tuple[str, callable]:
    name = "(a) conformance" + (f" -n {workers}" if workers else "")

    def argv(url: str) -> list[str]:
        args = [PYTHON, "-m", "pytest", f"--conformance-url={url}", f"--conformance-profile={PROFILE}",
                f"--conformance-token={TOKEN}", f"--conformance-max-examples={examples}", f"--conformance-seed={seed}",
                "-p", "no:cacheprovider", "-q"]
        return args + (["-n", str(workers)] if workers else [])

    return name, argv


# What-if for the start-up fix proposed in README.md (import inflect without typeguard's instrumentation): a
# sitecustomize on PYTHONPATH, so the xdist workers (fresh interpreters) get it too. Nothing in conformance changes.
SITECUSTOMIZE = textwrap.dedent('''
    try:
        import typeguard
        _original = typeguard.typechecked
        typeguard.typechecked = lambda target=None, **kw: target if target is not None else (lambda t: t)
        try:
            import inflect  # noqa: F401
        finally:
            typeguard.typechecked = _original
    except ImportError:
        pass
''')


def run_ours(examples: int, workers: int = 0, warm: bool = False, fast_inflect: bool = False) -> Measure:
    name, argv = ours(examples, workers)
    env = None
    if fast_inflect:
        name += " (inflect w/o typeguard)"
        site = child_dir("site")
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
        env = {"PYTHONPATH": str(site)}
    return measure(name, [], cwd=child_dir("ours", warm=warm), server_argv=argv, env=env)


def run_schemathesis(examples: int, warm: bool = False) -> Measure:
    where = child_dir("st", warm=warm)
    (where / "test_st.py").write_text(ST_MODULE)
    return measure("(b) schemathesis pytest", [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_st.py"],
                   cwd=where, env={"BENCH_URL": "{URL}", "BENCH_EXAMPLES": str(examples), "BENCH_TOKEN": TOKEN})


def run_raw(count: int) -> Measure:
    where = child_dir("raw")
    (where / "loop.py").write_text(RAW_LOOP)
    return measure("(c) raw requests loop", [], cwd=where,
                   server_argv=lambda url: [PYTHON, "loop.py", url + COLLECTION, str(count), TOKEN])


ROW_HEADERS = ["run", "requests", "wall s", "e2e req/s", "window s", "in-window req/s", "client CPU s",
               "server CPU s", "exit", "pytest says"]


def row(m: Measure) -> list:
    return [m.name, m.requests, m.wall, m.e2e_rps, m.window, m.window_rps, m.cpu, m.server_cpu, m.returncode,
            m.summary]


def medians(name: str, runs: list[Measure]) -> list:
    return [name, int(median([m.requests for m in runs])), median([m.wall for m in runs]),
            median([m.e2e_rps for m in runs]), median([m.window for m in runs]), median([m.window_rps for m in runs]),
            median([m.cpu for m in runs]), median([m.server_cpu for m in runs]), "", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=20, help="generated examples per operation (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; medians are printed (default 3)")
    parser.add_argument("--parallel", type=int, default=0, metavar="W",
                        help="also run (a) with pytest-xdist -n W and print the speedup over serial")
    parser.add_argument("--warm", action="store_true",
                        help="give (a) and (b) a working directory with Hypothesis' unicode tables already cached "
                             "(a developer's second run); default: empty directories, as in CI")
    args = parser.parse_args(argv)

    print(f"# bench/run.py: demo profile {PROFILE}, {args.examples} examples per operation, {args.repeat} repeat(s)")
    print(f"# {environment_note()}")
    print("# working directories: " + ("warm (Hypothesis' unicode tables cached in ./.hypothesis)" if args.warm else
                                       "empty (Hypothesis rebuilds its unicode tables in every run, as in CI)"))
    print("# (a) pytest --conformance-url=... --conformance-profile=featbit --conformance-max-examples=N: per operation"
          " N positive + N/2 negative generated requests, plus the probes its rules need")
    print("# (b) schemathesis.openapi.from_url + @schema.parametrize() + case.call_and_validate(session=...),"
          " fuzzing phase only, max-examples=N, no-shrink, built-in checks")
    print("# (c) requests.Session GET loop, as many requests as (a) sent in the same repeat")
    print()
    runs: dict[str, list[Measure]] = {}
    for repeat in range(1, args.repeat + 1):
        batch = [run_ours(args.examples, warm=args.warm)]
        batch.append(run_schemathesis(args.examples, warm=args.warm))
        batch.append(run_raw(batch[0].requests))
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
    a, b, c = (runs[n] for n in ("(a) conformance", "(b) schemathesis pytest", "(c) raw requests loop"))
    ratio_rows = [
        ["a/b wall time", median([x.wall for x in a]) / median([x.wall for x in b])],
        ["a/b time per request, end to end", median([x.e2e_rps for x in b]) / median([x.e2e_rps for x in a])],
        ["a/b time per request, in-window", median([x.window_rps for x in b]) / median([x.window_rps for x in a])],
        ["a/b client CPU per request", (median([x.cpu for x in a]) / median([x.requests for x in a]))
         / (median([x.cpu for x in b]) / median([x.requests for x in b]))],
        ["a/c wall time", median([x.wall for x in a]) / median([x.wall for x in c])],
        ["a/c time per request, in-window", median([x.window_rps for x in c]) / median([x.window_rps for x in a])],
    ]
    if args.parallel:
        p = runs[f"(a) conformance -n {args.parallel}"]
        ratio_rows.append([f"speedup of -n {args.parallel} (serial wall / parallel wall)",
                           median([x.wall for x in a]) / median([x.wall for x in p])])
        ratio_rows.append([f"speedup of -n {args.parallel}, in-window req/s",
                           median([x.window_rps for x in p]) / median([x.window_rps for x in a])])
    print("ratios of medians (>1: the first is slower)")
    print(table(["ratio", "value"], ratio_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
