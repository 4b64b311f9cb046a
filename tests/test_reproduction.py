"""The curl command in every report reproduces the request: pasted into a shell that has
$CONFORMANCE_TOKEN (or $CONFORMANCE_FORBIDDEN_TOKEN), it sends the same credential the same way, and
the secret itself appears nowhere. Each command here is run for real, with bash, against a server on
127.0.0.1 that records what it received."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings, strategies as st

import servers
from conformance.builder import Builder, Draft
from conformance.credentials import Channel
from conformance.models import Exchange, Request
from conformance.plan import Body, json_body
from conformance.redaction import Redactor, derived_forms, secret_variables
from conformance.report.records import exchange_record

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                                reason="needs curl and bash")

PLAIN = "tok-3f9a_Z.~x7"  # URL-safe, as most tokens are
AWKWARD = "alice:p@ss w/rd+&=?!$`'%"  # every character a shell or a URL treats specially
FORBIDDEN = "readonly-77c1"
NAMES = {"Authorization", "token", "access_token", "api_token"}

CHANNELS = {
    "raw header": {"in": "header", "name": "Authorization"},
    "bearer header": {"in": "header", "name": "Authorization", "format": "Bearer {token}"},
    "basic": {"in": "header", "name": "Authorization", "format": "Basic {basic}"},
    "query": {"in": "query", "name": "token"},
    "json body": {"in": "body", "name": "access_token"},
    "form body": {"in": "body", "name": "access_token"},
}


@pytest.fixture(scope="module")
def recorder():
    def behaviour(server, request, conn):
        servers.respond(conn, 200, {"ok": True})

    srv = servers.start(behaviour)
    yield srv
    srv.stop()


def _prepare(method: str, url: str, draft: Draft) -> Request:
    """The request as the plugin's builder sends it: the draft encoded, then prepared by requests."""
    data = Builder._encode(draft)
    prepared = requests.Request(method, url, headers=draft.headers, params=draft.query, data=data).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return Request(prepared.method, prepared.url, dict(prepared.headers), body)


def _sent(channel: dict, secret: str, url: str) -> Request:
    """A request carrying the secret through the channel, built the way the plugin builds one."""
    method = "GET" if channel["in"] == "query" else "POST"
    fields = {"name": "café $HOME `id` 'x'"}
    body = Body("none") if method == "GET" else Body("form", fields) if channel is CHANNELS["form body"] \
        else json_body(fields)
    draft = Draft({"Accept": "application/json"}, {"page": 2, "q": "a b"}, body)
    Channel.from_dict(channel).apply(draft, secret)
    return _prepare(method, url + "/api/items", draft)


def _run(command: str, env: dict[str, str]) -> None:
    result = subprocess.run(["bash", "-c", command + " -sS -o /dev/null --max-time 10"], capture_output=True,
                            text=True, timeout=30, env={"PATH": os.environ["PATH"], **env})
    assert result.returncode == 0, (command, result.stderr)


def _as_received(request: Request) -> dict:
    """What a server sees of a request: method, path, decoded query, headers, decoded body."""
    parts = urlsplit(request.url)
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = request.body or b""
    if "json" in headers.get("content-type", ""):
        decoded = json.loads(body)
    else:
        decoded = parse_qs(body.decode(), keep_blank_values=True)
    return {"method": request.method, "path": parts.path, "query": parse_qs(parts.query, keep_blank_values=True),
            "authorization": headers.get("authorization"), "content-type": headers.get("content-type"),
            "accept": headers.get("accept"), "body": decoded}


@pytest.mark.parametrize("secret", [PLAIN, AWKWARD], ids=["plain token", "awkward token"])
@pytest.mark.parametrize("name", list(CHANNELS))
def test_the_curl_command_sends_the_credential_from_the_environment(recorder, name, secret):
    if name == "basic" and ":" not in secret:
        secret = "alice:" + secret
    redactor = Redactor([secret, FORBIDDEN], NAMES, secret_variables(secret, FORBIDDEN))
    original = _sent(CHANNELS[name], secret, recorder.url)
    record = exchange_record(Exchange("valid-credentials", original), redactor)
    command = record["curl"]
    shown = json.dumps(record)
    for form in derived_forms(secret):
        assert form not in shown, f"{form!r} shown in {shown}"
    assert "$CONFORMANCE_TOKEN" in command and record["curl_env"] == ["CONFORMANCE_TOKEN"]

    before = len(recorder.log)
    _run(command, {"CONFORMANCE_TOKEN": secret})
    received = recorder.log[before]
    replay = Request(received.method, recorder.url + received.path, received.headers, received.body)
    assert _as_received(replay) == _as_received(original), command


def test_the_forbidden_token_has_its_own_variable(recorder):
    redactor = Redactor([PLAIN, FORBIDDEN], NAMES, secret_variables(PLAIN, FORBIDDEN))
    original = _sent(CHANNELS["bearer header"], FORBIDDEN, recorder.url)
    record = exchange_record(Exchange("forbidden-credentials", original), redactor)
    assert '-H "Authorization: Bearer $CONFORMANCE_FORBIDDEN_TOKEN"' in record["curl"]
    assert record["curl_env"] == ["CONFORMANCE_FORBIDDEN_TOKEN"] and FORBIDDEN not in json.dumps(record)
    before = len(recorder.log)
    _run(record["curl"], {"CONFORMANCE_FORBIDDEN_TOKEN": FORBIDDEN})
    assert recorder.log[before].headers["authorization"] == f"Bearer {FORBIDDEN}"


def test_the_commands_read_as_the_readme_shows_them(recorder):
    redactor = Redactor([PLAIN, "alice:s3cret-pw"], NAMES, secret_variables(PLAIN, None))
    header = exchange_record(Exchange("generated", _sent(CHANNELS["raw header"], PLAIN, recorder.url)), redactor)
    assert '-H "Authorization: $CONFORMANCE_TOKEN"' in header["curl"]
    query = exchange_record(Exchange("generated", _sent(CHANNELS["query"], PLAIN, recorder.url)), redactor)
    assert f'"{recorder.url}/api/items?page=2&q=a+b&token=$CONFORMANCE_TOKEN"' in query["curl"]
    basic = Redactor(["alice:s3cret-pw"], NAMES, secret_variables("alice:s3cret-pw", None))
    record = exchange_record(Exchange("generated", _sent(CHANNELS["basic"], "alice:s3cret-pw", recorder.url)), basic)
    assert '-u "$CONFORMANCE_TOKEN"' in record["curl"] and "Authorization" not in record["curl"]


def test_a_made_up_invalid_credential_is_shown_as_sent(recorder):
    """The probes' invalid credentials are not secrets: the command carries them and needs no variable."""
    redactor = Redactor([PLAIN], NAMES, secret_variables(PLAIN, None))
    invalid = "conformance-invalid-0123456789abcdef"
    record = exchange_record(Exchange("invalid-credentials", _sent(CHANNELS["raw header"], invalid, recorder.url)),
                             redactor)
    assert f"-H 'Authorization: {invalid}'" in record["curl"] and record["curl_env"] == []
    before = len(recorder.log)
    _run(record["curl"], {})
    assert recorder.log[before].headers["authorization"] == invalid


def test_without_a_variable_for_it_a_secret_is_redacted_not_guessed():
    redactor = Redactor([PLAIN], NAMES)  # knows the secret, but not where it comes from
    record = exchange_record(Exchange("generated", _sent(CHANNELS["raw header"], PLAIN, "http://127.0.0.1:9")),
                             redactor)
    assert "[REDACTED]" in record["curl"] and PLAIN not in record["curl"] and record["curl_env"] == []


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=4, max_size=20),
       filler=st.text(max_size=20), name=st.sampled_from(list(CHANNELS)), named=st.booleans())
@example(secret="data", filler="", name="raw header", named=False)  # a word of curl's own (--data-binary)
@example(secret="s3cr3t-data", filler="", name="json body", named=True)
def test_no_curl_command_shows_a_secret(secret, filler, name, named):
    """Whatever the secret and the request around it, the command shows the variable or [REDACTED], never it."""
    if name == "basic":
        secret = "user:" + secret.replace(":", "")
    if secret.strip() != secret or len(secret) < 4:
        return  # requests refuses header values with leading or trailing whitespace

    def command(token: str) -> str:
        redactor = Redactor([token], NAMES, secret_variables(token, None) if named else {})
        fields = {"name": filler, "also": token + filler}
        draft = Draft({"X-Note": "".join(c for c in filler if " " < c < "~") or "x"}, {"note": filler},
                      Body("form", fields) if name == "form body" else json_body(fields))
        Channel.from_dict(CHANNELS[name]).apply(draft, token)
        sent = _prepare("POST", "http://127.0.0.1:9/api/" + quote_plus(filler), draft)
        return redactor.curl(sent.method, sent.url, sent.headers, sent.body)

    # A secret that is a piece of the command whatever the secret ("data" of --data-binary) cannot be hidden
    # and gives nothing away: only the places the secret itself went are judged.
    without = command("user:ZQXJWVKP" if name == "basic" else "ZQXJWVKP")
    shown = command(secret)
    for form in derived_forms(secret):
        if form in without:
            continue
        assert form not in shown, (form, shown)
