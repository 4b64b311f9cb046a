"""An operation that ignores authentication is not just a wrong status: it is the most severe finding
of the run, and every output says so."""


def test_ignored_authentication_is_flagged_critical(demo, run_conformance):
    outcome = run_conformance(demo("featbit", faults={"auth.ignored"}))
    assert outcome.ret == 1
    violations = outcome.rule("auth.missing-credentials")["violations"]
    assert [v["operation"] for v in violations] == ["GET /api/v1/projects/{id}"]
    assert violations[0]["critical"] is True
    assert "got 200: the operation ignores authentication" in violations[0]["message"]
    assert "CRITICAL" in outcome.output()


def test_wrong_status_is_not_critical(demo, run_conformance):
    outcome = run_conformance(demo("featbit", faults={"auth.missing-credentials"}))
    violations = outcome.rule("auth.missing-credentials")["violations"]
    assert violations and not any(v["critical"] for v in violations)
    assert "Expected 401 for a request without credentials, got 403." in violations[0]["message"]
    assert "CRITICAL" not in outcome.output()
