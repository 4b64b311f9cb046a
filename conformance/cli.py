"""The ``conformance`` command: read a catalog as a table, or run the bundled demo APIs."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import textwrap
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable

from . import DISTRIBUTION, __version__
from .catalog import BUILTIN_PROFILES, EXAMPLE_STRUCTURE, EXAMPLE_VALUE, SENTENCE, Catalog
from .demo import ENTRIES_FAULTY, FAULTY, NESTED_FAULTY, PROFILES, DemoAPI, EntriesDemoAPI, NestedDemoAPI
from .demo.server import DEFAULT_FORBIDDEN, DEFAULT_TOKEN
from .errors import ConformanceError
from .report.sources import document_titles, source_label
from .run import load_catalog


def print_rules(catalog: Catalog, out=None) -> None:
    out = out or sys.stdout
    width = shutil.get_terminal_size((120, 20)).columns
    titles = document_titles(catalog.documents)
    # each rule's basis: what in the document it rests on; an example's value is advisory, it never fails a run
    rows = [(r.id, r.category, r.severity, r.basis, r.title, source_label(r.source, titles)) for r in catalog.rules]
    heads = ("id", "category", "severity", "basis")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)] if rows else \
        [len(h) for h in heads]
    rest = max(30, width - sum(widths) - 10)
    structure = sum(1 for r in catalog.rules if r.basis == EXAMPLE_STRUCTURE)
    values = sum(1 for r in catalog.rules if r.advisory)
    counts = "".join([f", {structure} binding on the structure of the document's example" if structure else "",
                      f", {values} advisory on a value of the document's example" if values else ""])
    print(f"{catalog.profile}: {catalog.title} ({len(rows)} rules{counts})", file=out)
    print(textwrap.fill(f"basis: {SENTENCE}: a sentence of the document promises it. {EXAMPLE_STRUCTURE}: the document "
                        "promises a format and its example is the only definition of it, so the example's fields, "
                        "their types and what their names state bind. "
                        f"{EXAMPLE_VALUE}: a value the document's example shows; examples are not requirements: "
                        "such a rule is advisory, its failures are reported and never fail a run.", width), file=out)
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths)) + "  title / source", file=out)
    print("-" * min(width, sum(widths) + 8 + rest), file=out)
    for rule_id, category, severity, basis, title, source in rows:
        lead = "  ".join(v.ljust(w) for v, w in zip((rule_id, category, severity, basis), widths))
        lines = textwrap.wrap(title, rest) or [""]
        print(f"{lead}  {lines[0]}", file=out)
        pad = " " * (len(lead) + 2)
        for line in lines[1:]:
            print(pad + line, file=out)
        print(pad + f"[{source}]", file=out)
        if basis == EXAMPLE_VALUE:
            print(pad + "advisory: a failure never fails the run", file=out)
    if catalog.unobservable:
        print(f"\nPromises that cannot be observed over HTTP ({len(catalog.unobservable)}):", file=out)
        for item in catalog.unobservable:
            print(f"  - {item['promise']} [{source_label(item['source'], titles)}]", file=out)
            for line in textwrap.wrap(item["why"], width - 6):
                print(f"      {line}", file=out)
    print(file=out)


@dataclass(frozen=True)
class Servable:
    """A bundled demo API that ``conformance demo --serve`` can start."""

    profile: str  # the catalog whose conventions it keeps
    make: Callable[..., Any]  # make(faults=..., port=...) -> the API (.start(), .stop(), .url, .token, .forbidden_token)
    faulty: tuple[str, ...]  # the rules its --faulty variant breaks on purpose
    forbidden: bool  # whether it knows a valid token without permission


# The demos `--serve` knows, by name: a new demo is one more line here.
SERVABLE: dict[str, Servable] = {
    **{profile: Servable(profile, partial(DemoAPI, profile), tuple(FAULTY[profile]),
                         DEFAULT_FORBIDDEN[profile] is not None) for profile in PROFILES},
    "featbit-nested": Servable("featbit", partial(NestedDemoAPI, "featbit"), tuple(NESTED_FAULTY), True),
    "flextype-entries": Servable("flextype", EntriesDemoAPI, tuple(ENTRIES_FAULTY), True),
}

COUNTS_LEGEND = ('Two kinds of counts: "profile NAME: N rules failed, N passed, N skipped" counts the profile\'s '
                 "rules (each judged on every operation it applies to); pytest's last line counts its test items, "
                 "one per rule and operation.")


def run_demo(profile: str, *, faulty: bool, reports: Path, examples: int, seed: int) -> tuple[int, list[str]]:
    """Run the suite against one demo API; the pytest exit code and the rules that failed."""
    import pytest

    faults = set(FAULTY[profile]) if faulty else set()
    name = f"{profile}{'-faulty' if faulty else ''}"
    paths = {kind: reports / f"{name}.{kind}" for kind in ("json", "html", "sarif")}
    api = DemoAPI(profile, faults=faults).start()
    planted = f", with {len(faults)} planted violations: {', '.join(sorted(faults))}" if faults else ""
    print(f"\n== {name}: demo API on {api.url}{planted}", flush=True)
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
    failed = []
    if paths["json"].exists():  # the plugin printed the summary and the report paths: only what it cannot say here
        failed = [r["id"] for r in json.loads(paths["json"].read_text())["rules"] if r["status"] == "failed"]
        if faulty:
            found = "all found, nothing else failed" if sorted(failed) == sorted(faults) else \
                f"planted {', '.join(sorted(faults))}; failed {', '.join(failed) or 'none'}"
            print(f"   planted violations: {found}")
    return code, failed


def run_demos(profiles: list[str], *, faulty: bool, reports: Path, examples: int, seed: int) -> int:
    """`conformance demo`: every profile's demo API in turn. A faulty run passes when exactly the planted
    violations fail (the demo shows what a failure looks like); a conforming one when nothing fails."""
    kind = "with planted violations" if faulty else "that keep every rule"
    print(f"conformance demo: the bundled demo APIs {kind}, each on 127.0.0.1, the suite run against it; "
          f"reports in {reports}/\n{COUNTS_LEGEND}", flush=True)
    outcomes = {p: run_demo(p, faulty=faulty, reports=reports, examples=examples, seed=seed) for p in profiles}
    html = reports / f"{profiles[0]}{'-faulty' if faulty else ''}.html"
    print()
    if not faulty:
        failing = [p for p, (code, _) in outcomes.items() if code != 0]
        if failing:
            print(f"The demo of {', '.join(failing)} failed: the conforming demos should pass; see the reports.")
            return 1
        print(f"Every demo passed. Open {html} in a browser to see a report.")
        return 0
    wrong = [p for p, (code, failed) in outcomes.items() if code not in (0, 1) or sorted(failed) != sorted(FAULTY[p])]
    if wrong:
        print(f"The failures of {', '.join(wrong)} were not the planted ones: see the lines above.")
        return 1
    total = sum(len(failed) for _, failed in outcomes.values())
    print(f"All {total} failing rules were the planted ones: the faulty demos break exactly these rules on purpose, "
          f"and the suite found each of them. Open {html} in a browser to see what a failure looks like.")
    return 0


def pytest_command() -> str:
    """The pytest this installation's plugin lives in, spelled so that it runs from any terminal: the one beside
    the running interpreter (a virtual environment's own, whether or not it is activated there)."""
    beside = Path(sys.executable).parent / "pytest"
    if beside.exists():
        return shlex.quote(str(beside))
    return f"{shlex.quote(sys.executable)} -m pytest"


def serve_demo(name: str, *, faulty: bool, port: int) -> int:
    """`conformance demo --serve NAME`: one demo API in the foreground until Ctrl-C."""
    demo = SERVABLE[name]
    faults = set(demo.faulty) if faulty else set()
    try:
        api = demo.make(faults=faults, port=port).start()
    except OSError as exc:
        print(f"conformance: cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}): choose another --port, "
              "or leave it out for a free one.", file=sys.stderr)
        return 4
    stop = threading.Event()
    # Ctrl-C and a kill stop it, even where it was started with SIGINT ignored (a script's background job)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    env = {"CONFORMANCE_TOKEN": api.token}
    if demo.forbidden:
        env["CONFORMANCE_FORBIDDEN_TOKEN"] = api.forbidden_token
    planted = f", breaking {len(faults)} rules on purpose: {', '.join(sorted(faults))}" if faults else ""
    lines = [f"{name} demo API{' (faulty)' if faulty else ''} on {api.url}{planted}",
             f"  profile:          {demo.profile}",
             f"  spec:             {api.url}/openapi.json",
             f"  token:            {api.token}   (the demo's own public token)"]
    if demo.forbidden:
        lines.append(f"  forbidden token:  {api.forbidden_token}   (valid, without permission)")
    command = " ".join([*(f"{k}={shlex.quote(v)}" for k, v in env.items()), pytest_command(),
                        f"--conformance-url={api.url}",
                        f"--conformance-profile={demo.profile}", f"--conformance-html=reports/{name}.html"])
    lines += ["", "Run the suite against it from any directory (no test files needed), in another terminal:",
              f"  {command}", "", "Ctrl-C stops it."]
    print("\n".join(lines), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    print(f"\nstopped the {name} demo API.", flush=True)
    return 0


def add_merge(commands: Any) -> None:
    merge = commands.add_parser(
        "merge", help="one report and one exit status from the JSON reports of a run's shards (--conformance-shard)",
        description="Merge the JSON reports of the shards of one run (pytest --conformance-shard=K/N "
        "--conformance-json=...) into one report, with one exit status: 0 when no rule failed, 1 when one did, 4 when "
        "the reports cannot be merged (a shard missing, unreadable or given twice, reports of different runs).")
    merge.add_argument("reports", nargs="*", type=Path, metavar="REPORT", help="every shard's JSON report")
    for kind in ("json", "html", "sarif"):
        merge.add_argument(f"--{kind}", type=Path, metavar="PATH", help=f"write the merged {kind.upper()} report")
    merge.add_argument("--junitxml", type=Path, metavar="PATH", help="write JUnit XML, its items named as pytest's")
    merge.add_argument("--baseline", type=Path, metavar="FILE", default=os.environ.get("CONFORMANCE_BASELINE") or None,
                       help="accepted violations, applied to the whole run (default: $CONFORMANCE_BASELINE)")
    merge.add_argument("--update-baseline", action="store_true", help="write the baseline from the run's violations")


def merge(args: argparse.Namespace) -> int:
    """`conformance merge`: one report and one exit status from the shards' JSON reports (report/merge.py)."""
    from .report.merge import merge_files

    status, lines = merge_files(args.reports, json_path=args.json, html=args.html, sarif=args.sarif,
                                junitxml=args.junitxml, baseline_path=args.baseline,
                                update_baseline=args.update_baseline)
    print("\n".join(lines), flush=True)
    return status


def add_derive(commands: Any) -> None:
    """The `derive` command's arguments (its code, conformance.derive, is imported only when it runs: it reads
    the checks, which import schemathesis, and a demo run must start pytest before schemathesis is imported)."""
    parser = commands.add_parser(
        "derive", help="write a cited catalog from convention documents (Markdown, HTML or plain text)",
        description="Read the documents and write a catalog the plugin runs as it is (--conformance-profile=FILE): "
        "each rule cites the document, its section and the sentence it rests on, with the words that drew it; the "
        "normative sentences no rule checks are listed with the reason. Offline and deterministic.")
    parser.add_argument("documents", nargs="+", type=Path, metavar="DOC")
    parser.add_argument("-o", "--output", type=Path, help="the catalog file to write (default: print it)")
    parser.add_argument("--profile", default="", help="the catalog's profile name (default: from the title)")
    parser.add_argument("--compare", metavar="PROFILE", help="compare with a catalog: rules found, invented, missed")


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
    parser.add_argument("--version", action="version", version=f"{DISTRIBUTION} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    rules = commands.add_parser("rules", help="print a catalog as a table (id, category, severity, basis, title, "
                                "source; basis example-value: only a value of the document's example supports it, so "
                                "it is advisory)")
    rules.add_argument("--profile", action="append", help="a built-in profile or a catalog file (default: all four)")
    rules.add_argument("--coverage", action="store_true", help="list the document's normative sentences: checked by "
                       "which rules, or unchecked and why (a catalog written by `conformance derive`)")
    demo = commands.add_parser("demo", help="run the suite against the bundled demo APIs and write reports/, "
                               "or start one demo API to point pytest at (--serve)",
                               description="Without --serve: start each demo API in turn, run the suite against it "
                               "and write reports (exit 0 when the conforming demos pass, or, with --faulty, when "
                               "exactly the planted violations fail). With --serve DEMO: start that demo API in the "
                               "foreground, print its URL, tokens and the pytest command, until Ctrl-C.")
    which = demo.add_mutually_exclusive_group()
    which.add_argument("--profile", action="append", choices=PROFILES, help="run only this profile's demo "
                       "(repeatable; default: all four)")
    which.add_argument("--serve", metavar="DEMO", choices=list(SERVABLE),
                       help=f"start one demo API in the foreground: {', '.join(SERVABLE)}")
    demo.add_argument("--faulty", action="store_true", help="start the demo with planted violations")
    demo.add_argument("--port", type=int, help="with --serve: the port on 127.0.0.1 (default: a free one)")
    demo.add_argument("--reports", type=Path, default=Path("reports"), help="where to write reports (default reports/)")
    demo.add_argument("--max-examples", type=int, default=10)
    demo.add_argument("--seed", type=int, default=1)
    add_merge(commands)
    add_derive(commands)
    args = parser.parse_args(argv)
    try:
        if args.command == "merge":
            return merge(args)
        if args.command == "derive":
            from .derive.command import derive_command  # (derive reads the checks: imported only when used)

            return derive_command(args)
        if args.command == "rules":
            for name in args.profile or BUILTIN_PROFILES:
                catalog = load_catalog(name, relative_to=Path.cwd())
                print_rules(catalog)
                if args.coverage:
                    from .derive.command import print_coverage

                    print_coverage(name, {rule.id for rule in catalog.rules})
            return 0
        if args.serve:
            return serve_demo(args.serve, faulty=args.faulty, port=args.port or 0)
        if args.port is not None:
            demo.error("--port goes with --serve DEMO")
        args.reports.mkdir(parents=True, exist_ok=True)
        return run_demos(args.profile or list(PROFILES), faulty=args.faulty, reports=args.reports.resolve(),
                         examples=args.max_examples, seed=args.seed)
    except ConformanceError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 4


if __name__ == "__main__":
    sys.exit(main())
