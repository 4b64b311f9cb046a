import pytest

from conformance.demo import PROFILES


@pytest.mark.parametrize("profile", PROFILES)
def test_conforming_demo_fails_no_rule(profile, demo, run_conformance):
    outcome = run_conformance(demo(profile))
    assert outcome.failed == set(), outcome.output()
    assert outcome.ret == 0
