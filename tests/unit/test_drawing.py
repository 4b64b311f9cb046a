"""Generated requests are drawn by one thread and handed over one by one as tasks while the ones before are
sent (engine.Runner.draw, schedule.Conductor).

These run schemathesis and Hypothesis for real on the bundled featbit spec; nothing is sent: what is checked
is what drawing hands over, not HTTP."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import requests
from schemathesis import GenerationMode

from conformance.run import load_catalog
from conformance.engine import Runner
from conformance.exercise import GENERATED, PROBE
from conformance.generation import case_parts, draw_cases
from conformance.resources import WRITE_LANES
from conformance.settings import resolve_settings
from conformance.spec import load_spec
from conformance.transport import Transport

SPEC = Path(__file__).parents[2] / "specs" / "featbit.openapi.json"
BASE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def spec():
    return load_spec(str(SPEC), BASE, timeout=1.0, session=requests.Session())


def runner(spec, examples: int = 20, **options) -> Runner:
    cli = {"url": BASE, "profile": "featbit", "token": "t", "max_examples": examples, "seed": 5, **options}
    settings = resolve_settings(lambda key: cli.get(key), lambda key: None, Path("."), environ={})
    catalog = load_catalog("featbit", relative_to=Path("."))
    return Runner(settings, catalog, spec, Transport(timeout=1, max_requests=settings.max_requests))


def handed_over(runner: Runner, operation, *, pause: float = 0.0):
    """What drawing hands over for the operation: (task index, kind, the request's parts) in order."""
    run = runner.new_run(operation)
    order = []

    def submit(task, bounded=False, lane=0):
        order.append((len(run.tasks) - 1, lane))
        time.sleep(pause)  # a slow pool: the drawing thread waits on each hand-over

    runner.draw(run, submit)
    out = []
    for position, lane in order:
        task = run.tasks[position]
        out.append((task.index, task.kind, lane))
    return run, out


def test_the_sample_is_the_first_valid_request_generation_draws(spec):
    """Probes use the operation's valid request; whoever draws it first (the drawing thread or a probe of a
    neighbour), it is the same request: Hypothesis' first example does not depend on how many follow."""
    for operation in spec.operations:
        one = draw_cases(operation, GenerationMode.POSITIVE, 1, seed=11)
        many = draw_cases(operation, GenerationMode.POSITIVE, 30, seed=11)
        assert one and many, operation.label
        assert repr(case_parts(one[0], BASE)) == repr(case_parts(many[0], BASE)), operation.label


def test_each_request_is_handed_over_as_it_is_drawn_and_the_probes_after_the_first_valid_one(spec):
    operation = next(op for op in spec.operations if op.method == "POST")
    run, order = handed_over(runner(spec), operation)
    kinds = [kind for _, kind, _ in order]
    assert kinds[0] == "generated" and kinds[1] != "generated", kinds  # probes right after the first request
    generated = [index for index, kind, _ in order if kind == "generated"]
    assert generated == [(GENERATED, n) for n in range(len(generated))]  # numbered in the order drawn
    assert len(generated) > 10
    probes = [kind for index, kind, _ in order if index[0] == PROBE]
    assert probes == run.probes_needed()
    # the lane of a write to a shared resource: the generated request's number spreads them; probes take lane 0
    assert [lane for index, kind, lane in order if kind == "generated"] == [
        n % WRITE_LANES for n in range(len(generated))]
    assert {lane for index, _, lane in order if index[0] == PROBE} == {0}


def test_what_is_handed_over_does_not_depend_on_how_fast_it_is_taken(spec):
    operation = next(op for op in spec.operations if op.method == "PATCH")
    fast_runner, slow_runner = runner(spec), runner(spec)
    fast_run, fast = handed_over(fast_runner, operation)
    slow_run, slow = handed_over(slow_runner, operation, pause=0.003)
    assert fast == slow

    def requests_of(run):
        return [repr(case_parts(t.case, BASE)) for t in sorted(run.tasks, key=lambda t: t.index)
                if t.kind == "generated"]
    assert requests_of(fast_run) == requests_of(slow_run)
    seed = fast_runner.seed_for(operation.label, "positive")
    assert fast_runner.builder.sample(operation, seed) == slow_runner.builder.sample(operation, seed)


def test_drawing_stops_when_the_run_stops(spec):
    operation = next(op for op in spec.operations if op.method == "POST")
    r = runner(spec, examples=200)
    run = r.new_run(operation)
    taken = []

    def submit(task, bounded=False, lane=0):
        taken.append(task)
        if len(taken) == 5:
            r.conductor.stopping.set()

    started = time.monotonic()
    r.draw(run, submit)
    assert time.monotonic() - started < 10
    generated = [t for t in run.tasks if t.kind == "generated"]
    assert 1 <= len(generated) <= 5, len(generated)


def test_drawing_stops_when_the_budget_is_spent(spec):
    operation = next(op for op in spec.operations if op.method == "POST")
    r = runner(spec, examples=200, max_requests=1)
    r.transport.policy.sent = 1  # the budget is used up
    run = r.new_run(operation)
    r.draw(run, lambda task, bounded=False, lane=0: None)
    assert [t for t in run.tasks if t.kind == "generated"] == []


def test_an_error_while_drawing_reaches_the_verdicts(spec, monkeypatch):
    """The drawing thread's error is kept on the operation's run, whose verdicts raise it again."""
    r = runner(spec)
    operation = next(op for op in spec.operations if op.method == "POST")
    calls = []

    def broken(*args, **kwargs):
        calls.append(threading.current_thread().name)
        raise RuntimeError("the spec broke the generator")

    monkeypatch.setattr(r, "generate", broken)
    monkeypatch.setattr(r, "prepare", lambda op: None)
    r.check_credential = lambda: None  # nothing is sent in this test
    r.conductor.start([operation])
    run = r.conductor.run_of(operation)
    assert calls == ["conformance-draw"]
    with pytest.raises(RuntimeError, match="broke the generator"):
        run.raise_error()
    r.conductor.stop()


def test_a_definition_schemathesis_rejects_while_drawing_is_one_line_about_the_spec(tmp_path):
    """httpbin's `type: int`: schemathesis accepts the spec, then rejects the parameter's schema while drawing."""
    from conformance.generation import rejected_definition
    from conformance.models import UnusableDefinition

    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps({
        "swagger": "2.0", "info": {"title": "t", "version": "1"},
        "paths": {"/bytes/{n}": {"get": {"parameters": [{"name": "n", "in": "path", "required": True, "type": "int"}],
                                         "responses": {"200": {"description": "ok"}}}}}}))
    spec = load_spec(str(spec_path), BASE, timeout=1, session=requests.Session())
    with pytest.raises(UnusableDefinition) as caught:
        draw_cases(spec.operations[0], GenerationMode.POSITIVE, 3, seed=1)
    assert str(caught.value) == 'Invalid `type` definition at properties -> n -> type: "int"'
    assert rejected_definition(ValueError("Something odd\n\nLocation:\n    a -> b\n")) == "Something odd at a -> b"
