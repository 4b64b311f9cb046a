"""The suite never changes or deletes a resource it did not create, and deletes what it creates."""

import collections

import pytest

from conformance.demo import PROFILES


@pytest.mark.parametrize("profile", PROFILES)
def test_existing_resources_survive_a_run_and_created_ones_are_gone(profile, demo, run_conformance):
    api = demo(profile)
    before = {key: dict(value) for key, value in api.items.items()}
    outcome = run_conformance(api, examples=6)
    assert outcome.ret == 0, outcome.output()
    assert api.items == before
    writes = [(method, path) for method, path in api.requests if method in ("PUT", "PATCH", "DELETE")]
    assert writes, "the run sent no write at all, so this test proves nothing"


def test_the_same_generated_request_is_sent_once(demo, run_conformance):
    """Generated DELETEs aim at an unknown id and carry nothing else, so every generated case is the same
    request: it is sent once, not once per example (the probes that aim there add a few more)."""
    api = demo("featbit")
    outcome = run_conformance(api, examples=50)
    assert outcome.ret == 0, outcome.output()
    deletes = collections.Counter(path for method, path in api.requests if method == "DELETE")
    path, count = deletes.most_common(1)[0]
    assert count < 20, (path, count)  # 50 positive + 25 negative examples were asked for


def test_generation_stops_when_it_only_repeats_itself():
    """When drawn cases keep being requests already sent, drawing stops instead of using up max-examples."""
    from pathlib import Path

    import requests
    from schemathesis import GenerationMode

    from conformance.generation import DUPLICATES_IN_A_ROW, draw_cases
    from conformance.spec import load_spec

    spec = load_spec(str(Path(__file__).parents[1] / "specs" / "featbit.openapi.json"), "http://127.0.0.1:9",
                     timeout=1.0, session=requests.Session())
    operation = next(op for op in spec.operations if op.method == "POST")
    offered = []
    cases = draw_cases(operation, GenerationMode.POSITIVE, 200, seed=1,
                       keep=lambda case: offered.append(case) or len(offered) == 1)
    assert len(cases) == 1
    assert len(offered) == 1 + DUPLICATES_IN_A_ROW
    assert len(draw_cases(operation, GenerationMode.POSITIVE, 60, seed=1)) == 60  # without keep: all of them
