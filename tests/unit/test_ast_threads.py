"""Parsing Python source from two threads at once must not break either of them.

On CPython 3.11 the code that turns a parse into ``ast`` objects keeps its recursion depth in state shared by
all threads (CPython gh-106905, fixed in 3.12): when a thread is switched out in the middle (the garbage
collector runs a finalizer), another thread's parse changes that depth and one of them fails with
``SystemError: AST constructor recursion depth mismatch``. Hypothesis parses while it draws (describing a
strategy's lambdas, the digest of the test function, the bounds of a filter, the constants of local
modules), the tool draws in several threads (the drawing thread; sending threads that draw a sample or a
creation body) and the main thread parses while pytest formats a failure. A SystemError inside a draw makes
Hypothesis replay the case, which then passes: FlakyFailure, and the rule cells read "the tool failed".

These run schemathesis and Hypothesis for real on the bundled featbit spec; nothing is sent."""

from __future__ import annotations

import ast
import threading
import traceback
from pathlib import Path

import pytest
import requests
from schemathesis import GenerationMode

from conformance import schedule
from conformance.run import load_catalog
from conformance.engine import Runner
from conformance.generation import draw_cases
from conformance.settings import resolve_settings
from conformance.spec import load_spec
from conformance.transport import Transport

SPEC = Path(__file__).parents[2] / "specs" / "featbit.openapi.json"
BASE = "http://127.0.0.1:9"
ROUNDS = 8  # rounds over every operation, both modes, per drawing thread (it fails in the first round or two)


@pytest.fixture(scope="module")
def spec():
    return load_spec(str(SPEC), BASE, timeout=1.0, session=requests.Session())


def start_the_tool(spec) -> Runner:
    """The runner a run starts with, before any of its threads exists."""
    cli = {"url": BASE, "profile": "featbit", "token": "t", "max_examples": 5, "seed": 5}
    settings = resolve_settings(lambda key: cli.get(key), lambda key: None, Path("."), environ={})
    catalog = load_catalog("featbit", relative_to=Path("."))
    return Runner(settings, catalog, spec, Transport(timeout=1, max_requests=settings.max_requests))


def test_threads_that_draw_and_a_thread_that_parses_never_break_each_other(spec):
    start_the_tool(spec)
    errors: list[str] = []
    failing = threading.Event()

    def drawing(seed: int) -> None:
        """What the drawing thread does for each operation, and a sending thread for a sample or a body."""
        try:
            for n in range(ROUNDS):
                for operation in spec.operations:
                    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                        if failing.is_set():
                            return
                        draw_cases(operation, mode, 5, seed=seed + n)
        except BaseException as exc:  # noqa: BLE001 - what escaped is the finding
            errors.append("drawing: " + "".join(traceback.format_exception(exc))[-2000:])
            failing.set()

    source = Path(schedule.__file__).read_text()

    def parsing(drawers: list[threading.Thread]) -> None:
        """What the main thread does while the others draw: pytest formats a failure (its caret anchors and
        statement ranges parse the lines) and rewrites the asserts of a module it imports."""
        try:
            while any(thread.is_alive() for thread in drawers) and not failing.is_set():
                try:
                    len(source) + int("a failing rule")
                except ValueError as exc:
                    traceback.format_exception(exc)
                ast.parse(source)
        except BaseException as exc:  # noqa: BLE001
            errors.append("parsing: " + "".join(traceback.format_exception(exc))[-2000:])
            failing.set()

    drawers = [threading.Thread(target=drawing, args=(seed,)) for seed in (1, 1000)]
    parser = threading.Thread(target=parsing, args=(drawers,))
    for thread in (*drawers, parser):
        thread.start()
    for thread in (*drawers, parser):
        thread.join()
    assert errors == []


def test_compile_still_follows_the_future_imports_of_its_caller(spec):
    """Whatever guards parsing, compile() keeps reading ``from __future__`` imports from the code calling it."""
    start_the_tool(spec)
    here: dict = {}
    exec(compile("def f(x: undefined_name): pass", "<here>", "exec"), here)  # this module: annotations are strings
    assert here["f"].__annotations__ == {"x": "undefined_name"}
    plain: dict = {}
    exec(compile("def call():\n    return compile('def f(x: int): pass', '<plain>', 'exec')", "<plain>", "exec",
                 dont_inherit=True), plain)
    exec(plain["call"](), plain)  # compile() called from code without the import: annotations are evaluated
    assert plain["f"].__annotations__ == {"x": int}
