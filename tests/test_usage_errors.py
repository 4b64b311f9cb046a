"""Bad input from the user: each mistake ends the run with exit 4 and one plain sentence, no traceback.
Also: the options work from the environment and the ini file, with command line > environment > ini,
and without a URL the plugin does nothing."""

from __future__ import annotations

import json
import textwrap

import pytest
import schemathesis.specs.openapi.schemas  # noqa: F401  (loaded once here, not again in every pytester run)

import servers
from servers import respond


@pytest.fixture
def api():
    """A small well-behaved API (401 without the token 't', 404 off /items) on a loopback port."""

    def behaviour(server, request, conn):
        if request.path.split("?")[0] in ("/", "/items"):
            return servers.good(server, request, conn)
        respond(conn, 404, {"code": 404, "message": "not found"})

    srv = servers.start(behaviour)
    yield srv
    srv.stop()


def usage_error(pytester: pytest.Pytester, *args: str) -> str:
    """Run with these options; assert exit 4, no traceback, and one sentence; return that sentence."""
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 4, text
    assert "Traceback" not in text and "INTERNALERROR" not in text, text
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("ERROR: "), text
    message = errors[0][len("ERROR: "):]
    assert message.endswith((".", "?")), message
    return message


def base(url: str, *more: str) -> list[str]:
    return [f"--conformance-url={url}", "--conformance-profile=featbit", "--conformance-token=t", *more]


def closed_url() -> str:
    return f"http://127.0.0.1:{servers.closed_port()}"


# -- the spec ---------------------------------------------------------------------------------------

def test_spec_that_is_neither_yaml_nor_json_names_the_line(pytester, api):
    spec = pytester.path / "spec.yaml"
    spec.write_text("openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths: {/items: [unclosed\n  get: {}\n")
    message = usage_error(pytester, *base(api.url, f"--conformance-spec={spec}"))
    assert "neither JSON nor valid YAML" in message and "line " in message


def test_spec_that_is_broken_json_names_the_line(pytester, api):
    spec = pytester.path / "spec.json"
    spec.write_text('{\n  "openapi": "3.0.3",\n  "paths": {,}\n}\n')
    message = usage_error(pytester, *base(api.url, f"--conformance-spec={spec}"))
    assert "not valid JSON" in message and "line 3" in message


def test_spec_that_is_not_openapi(pytester, api):
    spec = pytester.path / "spec.json"
    spec.write_text(json.dumps({"name": "a package.json, say", "version": "1.0.0"}))
    message = usage_error(pytester, *base(api.url, f"--conformance-spec={spec}"))
    assert "not an OpenAPI description" in message


def test_spec_with_an_unresolvable_ref(pytester, api):
    spec = json.loads(json.dumps(servers.SPEC))
    spec["paths"]["/items"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Nowhere"}
    path = pytester.path / "spec.json"
    path.write_text(json.dumps(spec))
    message = usage_error(pytester, *base(api.url, f"--conformance-spec={path}"))
    assert "#/components/schemas/Nowhere" in message


def test_spec_file_that_does_not_exist(pytester, api):
    message = usage_error(pytester, *base(api.url, "--conformance-spec=no-such-spec.yaml"))
    assert "does not exist" in message and "no-such-spec.yaml" in message


def test_spec_that_is_a_directory_says_so(pytester, api):
    message = usage_error(pytester, *base(api.url, f"--conformance-spec={pytester.path}"))
    assert "is a directory" in message and "the OpenAPI file itself" in message and "does not exist" not in message


def test_spec_url_that_answers_404(pytester, api):
    message = usage_error(pytester, *base(api.url, f"--conformance-spec={api.url}/missing.json"))
    assert "answered 404" in message and "/missing.json" in message


# -- the profile and catalogs --------------------------------------------------------------------------

def test_unknown_profile_suggests_the_closest(pytester):
    message = usage_error(pytester, f"--conformance-url={closed_url()}", "--conformance-profile=featbt")
    assert "Unknown profile 'featbt'" in message and "Did you mean 'featbit'?" in message


def test_missing_profile(pytester):
    message = usage_error(pytester, f"--conformance-url={closed_url()}")
    assert "--conformance-profile" in message


def test_catalog_that_breaks_the_schema_names_the_rule_and_field(pytester):
    pytester.path.joinpath("mine.yaml").write_text(textwrap.dedent("""\
        profile: mine
        title: My conventions
        extends: featbit
        rules:
          - id: my.new-rule
            category: auth
            title: Something
            severity: sometimes
            source: {document: ours.md, section: Auth}
    """))
    message = usage_error(pytester, f"--conformance-url={closed_url()}", "--conformance-profile=mine.yaml")
    assert "rule 'my.new-rule'" in message and "field 'severity'" in message


def test_catalog_that_is_not_yaml(pytester):
    pytester.path.joinpath("mine.yaml").write_text("profile: mine\ntitle: [unclosed\nrules: []\n")
    message = usage_error(pytester, f"--conformance-url={closed_url()}", "--conformance-profile=mine.yaml")
    assert "not valid YAML" in message and "line " in message


def test_catalog_file_that_does_not_exist(pytester):
    message = usage_error(pytester, f"--conformance-url={closed_url()}", "--conformance-profile=ours/none.yaml")
    assert "does not exist" in message


# -- options -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["127.0.0.1:8000", "localhost/api", "ftp://127.0.0.1/"])
def test_url_without_an_http_scheme(pytester, url):
    message = usage_error(pytester, f"--conformance-url={url}", "--conformance-profile=featbit")
    assert "absolute http(s) URL" in message and url.rstrip("/") in message
    if "://" not in url:
        assert f"Did you mean 'http://{url}'?" in message


@pytest.mark.parametrize("value", ["-3", "0", "ten", "2.5"])
def test_bad_max_examples(pytester, value):
    message = usage_error(pytester, f"--conformance-url={closed_url()}", "--conformance-profile=featbit",
                          f"--conformance-max-examples={value}")
    assert "--conformance-max-examples" in message and value in message


@pytest.mark.parametrize("option,value", [("timeout", "-1"), ("timeout", "soon"), ("max-rps", "0"),
                                          ("max-requests", "-5"), ("retry-after-cap", "never")])
def test_other_bad_numbers_and_switches(pytester, option, value):
    message = usage_error(pytester, f"--conformance-url={closed_url()}", "--conformance-profile=featbit",
                          f"--conformance-{option}={value}")
    assert f"--conformance-{option}" in message


def test_report_path_that_cannot_be_written(pytester):
    blocker = pytester.path / "a-file"
    blocker.write_text("not a folder")
    message = usage_error(pytester, *base(closed_url(), f"--conformance-json={blocker}/report.json"))
    assert "--conformance-json" in message and "a-file" in message


def test_report_path_that_is_a_folder(pytester):
    folder = pytester.path / "reports"
    folder.mkdir()
    message = usage_error(pytester, *base(closed_url(), f"--conformance-json={folder}"))
    assert "--conformance-json" in message


def test_credential_in_the_wrong_form_for_the_profile(pytester):
    message = usage_error(pytester, f"--conformance-url={closed_url()}", "--conformance-profile=basic-crud",
                          "--conformance-token=just-a-token")
    assert "user:password" in message and "--conformance-token" in message
    assert "just-a-token" not in message  # a credential is never echoed


def test_update_baseline_without_a_baseline(pytester):
    message = usage_error(pytester, *base(closed_url(), "--conformance-update-baseline"))
    assert "--conformance-baseline" in message


# -- where options come from ---------------------------------------------------------------------------

def test_options_from_the_environment(pytester, monkeypatch):
    monkeypatch.setenv("CONFORMANCE_URL", closed_url())
    monkeypatch.setenv("CONFORMANCE_PROFILE", "featbit")
    monkeypatch.setenv("CONFORMANCE_MAX_EXAMPLES", "lots")
    message = usage_error(pytester)
    assert "CONFORMANCE_MAX_EXAMPLES" in message and "lots" in message


def test_a_switch_from_the_environment_that_is_neither_true_nor_false(pytester, monkeypatch):
    monkeypatch.setenv("CONFORMANCE_READ_ONLY", "maybe")
    message = usage_error(pytester, f"--conformance-url={closed_url()}", "--conformance-profile=featbit")
    assert "--conformance-read-only takes true or false" in message and "CONFORMANCE_READ_ONLY" in message


def test_options_from_the_ini_file(pytester):
    pytester.makeini(f"[pytest]\nconformance_url = {closed_url()}\nconformance_profile = featbit\n"
                     "conformance_max_examples = -2\n")
    message = usage_error(pytester)
    assert "conformance_max_examples" in message and "-2" in message


def test_a_full_run_configured_from_the_environment_and_ini(pytester, monkeypatch, demo):
    from conformance.demo.server import DEFAULT_TOKEN

    api = demo("featbit")
    pytester.makeini(f"[pytest]\nconformance_url = {api.url}\nconformance_profile = featbit\n"
                     "conformance_max_examples = 2\nconformance_seed = 3\n")
    monkeypatch.setenv("CONFORMANCE_TOKEN", DEFAULT_TOKEN["featbit"])
    monkeypatch.setenv("CONFORMANCE_JSON", str(pytester.path / "out.json"))
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    text = result.stdout.str()
    assert f"conformance: target {api.url}" in text
    report = json.loads((pytester.path / "out.json").read_text())
    assert report["summary"]["seed"] == 3 and report["summary"]["requests"] > 0


@pytest.mark.parametrize("given", [("cli", "env", "ini"), ("env", "ini"), ("ini",)])
def test_precedence_command_line_then_environment_then_ini(pytester, monkeypatch, given):
    """Each source names a different (unknown) profile; the error says which one won."""
    pytester.makeini(f"[pytest]\nconformance_url = {closed_url()}\n"
                     + ("conformance_profile = from-ini\n" if "ini" in given else ""))
    if "env" in given:
        monkeypatch.setenv("CONFORMANCE_PROFILE", "from-env")
    args = ["--conformance-profile=from-cli"] if "cli" in given else []
    message = usage_error(pytester, *args)
    assert f"Unknown profile 'from-{given[0]}'" in message


def test_no_url_means_the_plugin_does_nothing(pytester, monkeypatch):
    for name in ("CONFORMANCE_URL", "CONFORMANCE_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_plain="def test_ordinary():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "--conformance-profile=no-such-profile",
                                "--conformance-max-examples=3")
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    assert "conformance:" not in text and "::auth." not in text and "test_plain.py::test_ordinary PASSED" in text
