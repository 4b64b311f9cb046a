"""Where the time of one run goes: start-up, drawing, building, sending, judging, reports. Every thread of the
client is profiled (cProfile, CPU time per thread), and the demo server (in this process, the client in a
child) says when the first and the last request arrived.

    .venv/bin/python bench/profile.py [--latency MS] [--examples N] [--concurrency N] [--top K]
"""

from __future__ import annotations

import argparse
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, CountingDemo, child_dir, environment_note, run_child, table  # noqa: E402

# cumulative CPU of these functions (all threads), innermost first: each part is counted once
PARTS = [
    ("drawing (schemathesis + Hypothesis)", ("generation.py", "draw_cases")),
    ("building requests (builder, resources)", ("builder.py", "build")),
    ("sending and reading answers (transport)", ("transport/sender.py", "send")),
    ("learning from answers (reach, resources)", ("engine.py", "learn")),
    ("judging (the rules)", ("engine.py", "verdict")),
    ("reports (JSON, terminal)", ("plugin.py", "pytest_sessionfinish")),
    ("start-up: configure (catalog, spec, reachability)", ("plugin.py", "pytest_configure")),
    ("start-up: collection", ("main.py", "pytest_collection")),
]

CHILD = '''
import cProfile, os, sys, threading, time
started = time.monotonic()
profiles = []
lock = threading.Lock()
original_run = threading.Thread.run

def run(self):
    profile = cProfile.Profile(time.thread_time)
    profile.thread_name = self.name
    profile.finished = False
    with lock:
        profiles.append(profile)
    profile.enable()
    try:
        original_run(self)
    finally:
        profile.disable()
        profile.finished = True

threading.Thread.run = run
main = cProfile.Profile(time.thread_time)
main.thread_name = "MainThread"
main.finished = True
profiles.append(main)
main.enable()
import pytest
code = pytest.main(sys.argv[2:])
main.disable()
import pstats
# A thread still running (the watchdog clock, idle for good) cannot be read: its pending call would be timed
# with another thread's clock. Those threads only wait.
profiles = [p for p in profiles if p.finished]
stats = pstats.Stats(profiles[0])
for profile in profiles[1:]:
    try:
        stats.add(profile)
    except TypeError:
        pass  # a thread that never ran anything
stats.dump_stats(sys.argv[1])
by_thread = {}
for profile in profiles:
    try:
        st = pstats.Stats(profile)
    except TypeError:
        continue
    name = profile.thread_name.rsplit("_", 1)[0] if "send" in profile.thread_name else profile.thread_name
    by_thread[name] = by_thread.get(name, 0.0) + st.total_tt
print("THREADS " + ", ".join(f"{k}={v:.2f}" for k, v in sorted(by_thread.items(), key=lambda kv: -kv[1])))
print(f"PROFILE threads={len(profiles)} wall={time.monotonic() - started:.3f} code={int(code)}")
'''


def cumulative(stats: pstats.Stats, file_part: str, name: str) -> float:
    total = 0.0
    for (filename, _, function), (_, _, _, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if function != name or not filename.endswith(file_part):
            continue
        # only the outermost calls: leave out the time of calls made from inside the same function
        total += ct - sum(c[3] for caller, c in callers.items() if caller[2] == name and caller[0] == filename)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.0, metavar="MS")
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--top", type=int, default=0, help="also print the K functions with the most own CPU")
    args = parser.parse_args(argv)
    print(f"# bench/profile.py: featbit demo, {args.examples} examples per operation, "
          f"{args.latency:g} ms late, concurrency {args.concurrency or 'default'}; {environment_note()}")
    out = Path(tempfile.mkdtemp(prefix="conformance-profile-")) / "stats"
    where = child_dir("profile")
    (where / "child.py").write_text(CHILD)
    with CountingDemo("featbit", latency=args.latency / 1000) as server:
        argv_child = [PYTHON, "child.py", str(out), f"--conformance-url={server.url}", "--conformance-profile=featbit",
                      "--conformance-token=demo-token", f"--conformance-max-examples={args.examples}",
                      "--conformance-seed=1", "-p", "no:cacheprovider", "-q"]
        if args.concurrency:
            argv_child.append(f"--conformance-concurrency={args.concurrency}")
        launched = time.monotonic()
        child = run_child(argv_child, cwd=where)
        counter = server.counter
    stats = pstats.Stats(str(out))
    line = next((x for x in child.output.splitlines() if x.startswith("PROFILE")), "")
    print(f"# {line}; requests {counter.count}; exit {child.returncode}")
    print("# profiled CPU by thread: " + next((x for x in child.output.splitlines() if x.startswith("THREADS")), "")[8:])
    first = (counter.first - launched) if counter.first else float("nan")
    window = counter.window
    rows = [["wall, process start to exit", child.wall],
            ["  start-up: process start to the first request", first],
            ["  the run: first request to the last", window],
            ["  after the last request (clean-up answers, reports, exit)", child.wall - first - window],
            ["client CPU, all threads (user + system)", child.cpu]]
    print(table(["wall clock", "seconds"], rows))
    print()
    total = stats.total_tt  # type: ignore[attr-defined]
    part_rows = []
    for label, (file_part, name) in PARTS:
        seconds = cumulative(stats, file_part, name)
        part_rows.append([label, seconds, 100 * seconds / total if total else 0.0])
    print(table(["CPU by part (profiled, all threads; parts overlap where one calls another)", "CPU s", "% of profiled"],
                part_rows))
    print(f"profiled CPU in all: {total:.2f} s (the profiler inflates it; read the shares)")
    if args.top:
        print()
        stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
