"""Acceptance sweep of issue 18: no run on any real target, with any built-in profile, reports a tool error.

Runs the plugin like a user, from an empty temporary directory, on every target of bench/reach.py's TARGETS that
answers, and on the recipe's other targets (EXTRA below): the five built-in profiles and the target's own, the
fitting one (the target's own) at --conformance-concurrency=1, =8 and under `-n 2`, the others at the default
concurrency; stripe-mock (~70 s a run) with its own profile only, at the default concurrency and under `-n 2`.
Seed data is put back around each run (reach.py's `tidy`). The credentials travel through CONFORMANCE_TOKEN and
CONFORMANCE_FORBIDDEN_TOKEN, never on a command line (a target without one gets a placeholder where the profile
asks for one, so that the profile runs at all).

    .venv/bin/python bench/sweep.py                        # every running target
    .venv/bin/python bench/sweep.py -t kinto --keep /tmp/sweep   # one target, keep the reports and logs

A tool error is a rule cell "not judged: the tool failed (...)" (in the JSON report's summary.errors, beside the
operations the spec defines unusably, which are findings about the spec), a pytest error or INTERNALERROR, or exit
status 3. The exit status is 1 when any run had one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reach import TARGETS, Target, last_lines, profile_location, redact, spec_location, table, tidy

BUILT_IN = ("featbit", "flextype", "basic-crud", "connectnow", "http")
# the recipe's other targets, which reach.py does not measure: the mocks and example apps fit only the http base
EXTRA = (
    Target("json-server-v1", "http://127.0.0.1:3001", "json-server-1.0.0-beta.15.db.openapi.json", "json-server.yaml"),
    Target("prism-petstore", "http://127.0.0.1:4010", "petstore-v3.openapi.yaml", "http", token="sweep-token"),
    Target("prism-conduit", "http://127.0.0.1:4011", "realworld-conduit.openapi.yml", "http", token="sweep-token"),
    Target("connexion", "http://127.0.0.1:8006/openapi", "connexion-example-sqlalchemy.openapi.yaml", "http"),
    Target("fastapi-old", "http://127.0.0.1:8003", "http://127.0.0.1:8003/openapi.json", "connectnow",
           token="admin-token", forbidden="reader-token"),
    Target("drf-session", "http://127.0.0.1:8005", "http://127.0.0.1:8005/api/schema/?format=json", "drf.yaml",
           token="alicetoken", forbidden="bobtoken"),
    Target("httpbinx", "http://127.0.0.1:8020", "http://127.0.0.1:8020/openapi.json", "http"),
)
BIG = {"stripe-mock"}
HEADERS = ["target", "profile", "mode", "exit", "tool errors", "failed rules"]
# a target without a credential still runs the profiles that want one (they stop at exit 4 without): a placeholder
PLACEHOLDER = {"basic-crud": "sweep:sweep", "featbit": "sweep-token", "flextype": "sweep-token"}


def plan(target: Target) -> list[tuple[str, str]]:
    """(profile, mode) pairs: mode c1 / c8 / n2 for the fitting profile, default for the others."""
    if target.name in BIG:
        return [(target.profile, "default"), (target.profile, "n2")]
    fitting = [(target.profile, mode) for mode in ("c1", "c8", "n2")]
    return fitting + [(profile, "default") for profile in BUILT_IN if profile != target.profile]


def up(target: Target) -> bool:
    import requests

    try:
        requests.get(target.url, timeout=5)
        return True
    except requests.RequestException:
        return False


def run(target: Target, profile: str, mode: str, work: Path, *, examples: int, seed: int, timeout: float) -> dict:
    report = work / "report.json"
    mode_args = {"c1": ["--conformance-concurrency=1"], "c8": ["--conformance-concurrency=8"],
                 "n2": ["-n", "2"], "default": []}[mode]
    location = profile_location(Target(target.name, target.url, target.spec, profile))
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header",
            f"--conformance-url={target.url}", f"--conformance-spec={spec_location(target)}",
            f"--conformance-profile={location}", f"--conformance-json={report}",
            f"--conformance-max-examples={examples}", f"--conformance-seed={seed}", *mode_args, *target.ours_extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    token = target.token if target.token and (profile != "basic-crud" or ":" in target.token) else None
    env.update({k: v for k, v in (("CONFORMANCE_TOKEN", token or PLACEHOLDER.get(profile)),
                                  ("CONFORMANCE_FORBIDDEN_TOKEN", target.forbidden if token else None)) if v})
    started = time.perf_counter()
    with tidy(target):
        try:
            done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
            status, output = str(done.returncode), done.stdout + done.stderr
        except subprocess.TimeoutExpired:
            status, output = "timeout", ""
    (work / "pytest.log").write_text(redact(output, target), encoding="utf-8")
    row = {"status": status, "wall": time.perf_counter() - started, "errors": 0, "failed": [], "note": ""}
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        errors = data["summary"].get("errors") or []
        row["errors"] = sum("the tool failed" in e["reason"] for e in errors)
        unusable = {e["operation"] for e in errors if "the tool failed" not in e["reason"]}
        if unusable:  # a finding about the spec (an operation it defines unusably), not a tool error
            row["note"] = f"{len(unusable)} operation(s) the spec defines unusably"
        row["failed"] = [r["id"] for r in data["rules"] if r["status"] == "failed"]
    except (OSError, ValueError, KeyError):
        row["note"] = "no report: " + last_lines(output, target)
    tail = output.strip().splitlines()[-1:] if output.strip() else [""]
    pytest_errors = re.search(r"(\d+) errors?\b", tail[0])
    if "INTERNALERROR" in output or status == "3" or pytest_errors:
        row["note"] = (row["note"] + " pytest error/INTERNALERROR").strip()
        row["errors"] += int(pytest_errors.group(1)) if pytest_errors else 1
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-t", "--target", action="append", choices=[t.name for t in TARGETS + EXTRA])
    parser.add_argument("-p", "--profile", action="append", help="only this profile (repeatable)")
    parser.add_argument("-m", "--mode", action="append", choices=("c1", "c8", "n2", "default"))
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900, help="seconds each run may take")
    parser.add_argument("--keep", type=Path, help="keep every run's report.json and pytest.log under this folder")
    args = parser.parse_args(argv)

    rows, bad = [], False
    for target in TARGETS + EXTRA:
        if args.target and target.name not in args.target:
            continue
        if not up(target):
            rows.append([target.name, "-", "-", "not running", "-", "-"])
            continue
        for profile, mode in plan(target):
            if (args.profile and profile not in args.profile) or (args.mode and mode not in args.mode):
                continue
            work = Path(tempfile.mkdtemp(prefix=f"sweep-{target.name}-"))
            print(f"[{time.strftime('%H:%M:%S')}] {target.name} {profile} {mode} ...", file=sys.stderr, flush=True)
            try:
                r = run(target, profile, mode, work, examples=args.max_examples, seed=args.seed, timeout=args.timeout)
            finally:
                if args.keep:
                    shutil.copytree(work, args.keep / f"{target.name}.{profile}.{mode}", dirs_exist_ok=True)
                shutil.rmtree(work, ignore_errors=True)
            bad = bad or bool(r["errors"]) or r["status"] in ("3", "timeout")
            rows.append([target.name, profile, mode, r["status"], str(r["errors"]),
                         f"{len(r['failed'])}: {' '.join(r['failed'])}" + (f" [{r['note']}]" if r["note"] else "")
                         + f" ({r['wall']:.0f} s)"])
            print(table(HEADERS, rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(table(HEADERS, rows))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
