"""Scale: load + collect large real specs with our plugin, beside schemathesis loading the same spec.

    .venv/bin/python bench/scale.py [--all] [--spec FILE ...] [--repeat K] [--st-pytest]

For each spec, in child processes (wall time and peak RSS = ru_maxrss of that child):
  ours      pytest --collect-only -q --conformance-url=<local stub> --conformance-spec=FILE --conformance-profile=connectnow
  st load   python -c: schemathesis.openapi.from_path(FILE) + iterate get_all_operations()
  st pytest (--st-pytest) pytest --collect-only -q on a module with @schema.parametrize() for the same file
The issue's target: ours within 1.5x of schemathesis in time and in memory. The plugin only needs the target to
answer, so a trivial local server stands in for every API.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, REPO, empty_dir, environment_note, median, run_child, table  # noqa: E402

SPECS_DIR = REPO.parent / "shared" / "realworld" / "specs"
DEFAULT = ["github-api.github.com.octokit-23.0.2.json", "stripe-spec3.apisguru.json", "apis-guru/plaid.com.json",
           "apis-guru/squareup.com.json", "apis-guru/digitalocean.com.json", "kinto-26.5.0.swagger.json",
           "apis-guru/xkcd.com.json"]

ST_LOAD = textwrap.dedent('''
    import sys, time
    started = time.perf_counter()
    import schemathesis
    from schemathesis.core.result import Ok
    imported = time.perf_counter()
    schema = schemathesis.openapi.from_path(sys.argv[1])
    ok = sum(1 for r in schema.get_all_operations() if isinstance(r, Ok))
    print(f"{ok} operations")
    print(f"BENCH import={imported - started:.3f} work={time.perf_counter() - imported:.3f}")
''')

# Our load + collect without the interpreter and import cost: the imports first, then pytest.main timed alone
# (--assert=plain: the modules are imported already, so there is nothing left to rewrite).
OURS_INPROC = textwrap.dedent('''
    import sys, time
    started = time.perf_counter()
    import pytest
    import conformance.plugin
    imported = time.perf_counter()
    code = pytest.main(sys.argv[1:] + ["--assert=plain"])
    print(f"BENCH import={imported - started:.3f} work={time.perf_counter() - imported:.3f} exit={int(code)}")
''')

ST_PYTEST = textwrap.dedent('''
    import os
    import schemathesis
    schema = schemathesis.openapi.from_path(os.environ["BENCH_SPEC"])

    @schema.parametrize()
    def test_api(case):
        pass
''')


class _Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def log_message(self, *args: object) -> None:
        pass


def _count(pattern: str, output: str) -> str:
    found = re.findall(pattern, output)
    return found[-1] if found else "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="every spec under ../shared/realworld/specs")
    parser.add_argument("--spec", action="append", default=[], help="a spec file (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions; medians are printed (default 1)")
    parser.add_argument("--st-pytest", action="store_true", help="also time schemathesis' own pytest collection")
    parser.add_argument("--profile", default="connectnow")
    args = parser.parse_args(argv)

    if args.spec:
        specs = [Path(s).resolve() for s in args.spec]
    elif args.all:
        specs = sorted(p for p in SPECS_DIR.rglob("*") if p.suffix in (".json", ".yaml", ".yml"))
    else:
        specs = [SPECS_DIR / name for name in DEFAULT if (SPECS_DIR / name).exists()]
    if not specs:
        print(f"no specs found (looked in {SPECS_DIR})")
        return 2

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    print(f"# bench/scale.py: load + collect, {args.repeat} repeat(s), profile {args.profile}; {environment_note()}")
    headers = ["spec", "MB", "ops", "items", "ours s", "st s", "time x", "ours work s", "st work s", "work x",
               "ours MB", "st MB", "mem x"]
    if args.st_pytest:
        headers += ["st-pytest s", "st-pytest MB", "time x (pytest)", "mem x (pytest)"]
    rows = []
    for spec in specs:
        ours_t, ours_m, st_t, st_m, stp_t, stp_m, ours_w, st_w = [], [], [], [], [], [], [], []
        items = ops = "?"
        for _ in range(args.repeat):
            pytest_args = ["--collect-only", "-q", f"--conformance-url={url}", f"--conformance-spec={spec}",
                           f"--conformance-profile={args.profile}", "-p", "no:cacheprovider"]
            ours = run_child([PYTHON, "-m", "pytest", *pytest_args], cwd=empty_dir("scale"))
            inproc = run_child([PYTHON, "-c", OURS_INPROC, *pytest_args], cwd=empty_dir("scale"))
            ours_w.append(float(_count(r"BENCH import=\S+ work=(\S+)", inproc.output).replace("?", "nan")))
            items = str(sum(1 for line in ours.output.splitlines() if line.startswith("conformance::")))
            if ours.returncode != 0:
                items = f"exit {ours.returncode}"
            ours_t.append(ours.wall)
            ours_m.append(ours.maxrss_mb)
            st = run_child([PYTHON, "-c", ST_LOAD, str(spec)], cwd=empty_dir("scale-st"))
            ops = _count(r"(\d+) operations", st.output)
            st_t.append(st.wall)
            st_w.append(float(_count(r"BENCH import=\S+ work=(\S+)", st.output).replace("?", "nan")))
            st_m.append(st.maxrss_mb)
            if args.st_pytest:
                where = empty_dir("scale-stp")
                (where / "test_st.py").write_text(ST_PYTEST)
                stp = run_child([PYTHON, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "test_st.py"],
                                cwd=where, env={"BENCH_SPEC": str(spec)})
                stp_t.append(stp.wall)
                stp_m.append(stp.maxrss_mb)
        name = spec.name if len(spec.name) <= 32 else spec.name[:29] + "..."
        row = [name, spec.stat().st_size / 1e6, ops, items, median(ours_t), median(st_t),
               median(ours_t) / median(st_t), median(ours_w), median(st_w), median(ours_w) / median(st_w),
               median(ours_m), median(st_m), median(ours_m) / median(st_m)]
        if args.st_pytest:
            row += [median(stp_t), median(stp_m), median(ours_t) / median(stp_t), median(ours_m) / median(stp_m)]
        rows.append(row)
        print(f"measured {spec.name}: ours {median(ours_t):.1f} s / {median(ours_m):.0f} MB, "
              f"schemathesis {median(st_t):.1f} s / {median(st_m):.0f} MB", flush=True)
    print()
    print(table(headers, rows))
    print("ours s / st s: wall time of the whole child process (interpreter start, imports, pytest start-up, load,"
          " collect)")
    print("ours work s / st work s: the same after the imports: pytest.main(--collect-only) / from_path +"
          " get_all_operations")
    print("time x, work x, mem x: ours / schemathesis (the issue's target: <= 1.5)")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
