"""Generated requests are drawn in a background thread while the ones before are sent (engine._Drawing).

These run schemathesis and Hypothesis for real on the bundled featbit spec; only the sending side is a plain
loop, since what is checked is the hand-over between the two threads, not HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from schemathesis import GenerationMode

from conformance.engine import _Drawing
from conformance.generation import case_parts, draw_cases
from conformance.spec import load_spec

SPEC = Path(__file__).parents[2] / "specs" / "featbit.openapi.json"
BASE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def operation():
    spec = load_spec(str(SPEC), BASE, timeout=1.0, session=requests.Session())
    return next(op for op in spec.operations if op.method == "POST")


def generator(operation, fail_after: int | None = None):
    """What OperationRun hands _Drawing: schemathesis drawing for the operation (optionally breaking)."""
    built = [0]

    def generate(mode, count, keep):
        def checked(case):
            built[0] += 1
            if fail_after is not None and built[0] > fail_after:
                raise RuntimeError("the spec broke the generator")
            return keep(case)
        return draw_cases(operation, mode, count, seed=7, keep=checked)
    return generate


def sent(operation, *, pause: float = 0.0, stop_after: int | None = None) -> tuple[list[str], _Drawing]:
    bodies = []
    drawing = _Drawing(generator(operation), BASE, GenerationMode.POSITIVE, 40, set())
    with drawing as drawn:
        for case in drawn:
            bodies.append(repr(case_parts(case, BASE).body))
            time.sleep(pause)  # a slow API: the drawing thread runs ahead and waits for room
            if stop_after is not None and len(bodies) == stop_after:
                break
    return bodies, drawing


def test_what_is_sent_does_not_depend_on_how_fast_the_api_answers(operation):
    fast, _ = sent(operation)
    slow, _ = sent(operation, pause=0.002)
    assert len(fast) > _Drawing.AHEAD  # more than fits in the hand-over queue, so the slow run had to wait
    assert fast == slow


def test_leaving_early_stops_the_drawing_thread(operation):
    bodies, drawing = sent(operation, stop_after=3)
    assert len(bodies) == 3
    assert not drawing.thread.is_alive()


def test_an_error_while_drawing_reaches_the_sender(operation):
    drawing = _Drawing(generator(operation, fail_after=5), BASE, GenerationMode.POSITIVE, 40, set())
    received = []
    with pytest.raises(RuntimeError, match="broke the generator"):
        with drawing as drawn:
            for item in drawn:
                received.append(item)
    assert 1 <= len(received) <= 5
    assert not drawing.thread.is_alive()
