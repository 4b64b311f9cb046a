"""The items behave like any pytest items: --collect-only, -m CATEGORY, -k, --lf."""

from conformance.demo.server import DEFAULT_TOKEN


def _args(api):
    return [f"--conformance-url={api.url}", f"--conformance-profile={api.profile}",
            f"--conformance-token={DEFAULT_TOKEN[api.profile]}", "--conformance-max-examples=2",
            "--conformance-seed=3"]


def test_collect_only_lists_one_item_per_rule_and_operation(demo, pytester):
    result = pytester.runpytest(*_args(demo("featbit")), "--collect-only", "-q")
    lines = [l for l in result.stdout.lines if l.startswith("conformance::")]
    assert "conformance::GET /api/v1/projects/{id}::cors.origin-echo" in lines
    assert all("[" not in line for line in lines)
    result.stdout.fnmatch_lines([f"{len(lines)} tests collected*"])


def test_marker_selects_a_category(demo, pytester):
    result = pytester.runpytest(*_args(demo("featbit")), "-m", "cors", "-v", "-p", "no:cacheprovider")
    ran = [l for l in result.stdout.lines if l.startswith("conformance::") and " PASSED" in l]
    assert ran and all("::cors." in l for l in ran)


def test_last_failed_reruns_only_the_failures(demo, pytester):
    api = demo("featbit", faults={"cors.vary-origin"})
    first = pytester.runpytest(*_args(api))
    assert first.ret == 1
    again = pytester.runpytest(*_args(api), "--lf", "-v")
    ran = [l for l in again.stdout.lines if l.startswith("conformance::")]
    assert ran and all("::cors.vary-origin" in l for l in ran), ran
