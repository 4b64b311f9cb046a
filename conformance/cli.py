"""The ``conformance`` command: read a catalog as a table, or run the bundled demo APIs."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

from . import __version__
from .catalog import BUILTIN_PROFILES, Catalog, load_catalog
from .errors import ConformanceError
from .report.sources import document_titles, source_label


def print_rules(catalog: Catalog, out=None) -> None:
    out = out or sys.stdout
    width = shutil.get_terminal_size((120, 20)).columns
    titles = document_titles(catalog.documents)
    rows = [(r.id, r.category, r.severity, r.title, source_label(r.source, titles)) for r in catalog.rules]
    heads = ("id", "category", "severity", "title", "source")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads[:3])]
    rest = max(30, width - sum(widths) - 8)
    print(f"{catalog.profile}: {catalog.title} ({len(rows)} rules)", file=out)
    print("  ".join(h.ljust(w) for h, w in zip(heads[:3], widths)) + "  title / source", file=out)
    print("-" * min(width, sum(widths) + 6 + rest), file=out)
    for rule_id, category, severity, title, source in rows:
        lead = "  ".join(v.ljust(w) for v, w in zip((rule_id, category, severity), widths))
        lines = textwrap.wrap(title, rest) or [""]
        print(f"{lead}  {lines[0]}", file=out)
        pad = " " * (len(lead) + 2)
        for line in lines[1:]:
            print(pad + line, file=out)
        print(pad + f"[{source}]", file=out)
    if catalog.unobservable:
        print(f"\nPromises that cannot be observed over HTTP ({len(catalog.unobservable)}):", file=out)
        for item in catalog.unobservable:
            print(f"  - {item['promise']} [{source_label(item['source'], titles)}]", file=out)
            for line in textwrap.wrap(item["why"], width - 6):
                print(f"      {line}", file=out)
    print(file=out)


def run_demo(profile: str, *, faulty: bool, reports: Path, examples: int, seed: int) -> int:
    import pytest

    from .demo import FAULTY, DemoAPI
    from .demo.server import DEFAULT_FORBIDDEN, DEFAULT_TOKEN

    faults = set(FAULTY[profile]) if faulty else set()
    name = f"{profile}{'-faulty' if faulty else ''}"
    paths = {kind: reports / f"{name}.{kind}" for kind in ("json", "html", "sarif")}
    api = DemoAPI(profile, faults=faults).start()
    print(f"== {name}: demo API on {api.url}" + (f", breaking {', '.join(sorted(faults))}" if faults else ""))
    args = [f"--conformance-url={api.url}", f"--conformance-profile={profile}",
            f"--conformance-max-examples={examples}", f"--conformance-seed={seed}",
            f"--conformance-json={paths['json']}", f"--conformance-html={paths['html']}",
            f"--conformance-sarif={paths['sarif']}", "-q", "--no-header", "--tb=no", "-rN", "-p", "no:cacheprovider"]
    env = {"CONFORMANCE_TOKEN": DEFAULT_TOKEN[profile]}
    if DEFAULT_FORBIDDEN[profile]:
        env["CONFORMANCE_FORBIDDEN_TOKEN"] = DEFAULT_FORBIDDEN[profile]
    saved_env = {k: os.environ.get(k) for k in env}
    saved_cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="conformance-demo-") as empty:
        os.environ.update(env)
        os.chdir(empty)
        try:
            code = int(pytest.main([*args, f"--rootdir={empty}"], plugins=[]))
        finally:
            os.chdir(saved_cwd)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            api.stop()
    if paths["json"].exists():
        summary = json.loads(paths["json"].read_text())["summary"]
        failed = [r["id"] for r in json.loads(paths["json"].read_text())["rules"] if r["status"] == "failed"]
        print(f"   {summary['failed']} failed, {summary['passed']} passed, {summary['skipped']} skipped "
              f"({summary['requests']} requests, {summary['duration_s']:.1f} s)")
        if faulty:
            planted = sorted(faults)
            verdict = "as planted" if sorted(failed) == planted else f"planted {', '.join(planted)}"
            print(f"   failed: {', '.join(failed) or 'none'} ({verdict})")
        print(f"   reports: {paths['html']}  {paths['json']}  {paths['sarif']}")
    return code


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # the output went to a pager or `head` that stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="conformance", description="Check a live HTTP API against the conventions it "
                                     "promises. Run the checks with pytest --conformance-url=...; this command reads "
                                     "catalogs and runs the bundled demo APIs.")
    parser.add_argument("--version", action="version", version=f"conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    rules = commands.add_parser("rules", help="print a catalog as a table (id, category, severity, title, source)")
    rules.add_argument("--profile", action="append", help="a built-in profile or a catalog file (default: all four)")
    demo = commands.add_parser("demo", help="start a bundled demo API, run the suite against it, write reports/")
    demo.add_argument("--profile", action="append", choices=BUILTIN_PROFILES, help="default: all four")
    demo.add_argument("--faulty", action="store_true", help="start the demo with planted violations")
    demo.add_argument("--reports", type=Path, default=Path("reports"), help="where to write reports (default reports/)")
    demo.add_argument("--max-examples", type=int, default=10)
    demo.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        if args.command == "rules":
            for name in args.profile or BUILTIN_PROFILES:
                print_rules(load_catalog(name, relative_to=Path.cwd()))
            return 0
        args.reports.mkdir(parents=True, exist_ok=True)
        codes = [run_demo(p, faulty=args.faulty, reports=args.reports.resolve(), examples=args.max_examples,
                          seed=args.seed) for p in args.profile or BUILTIN_PROFILES]
        return max(codes)
    except ConformanceError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 4


if __name__ == "__main__":
    sys.exit(main())
