"""The suite never changes or deletes a resource it did not create, and deletes what it creates."""

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
