"""The CI gate: JUnit test cases, the baseline of accepted violations, parallel runs, and secrets that
never reach any output."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import yaml

from conformance.baseline import TODO_REASON
from conformance.demo import FAULTY


def test_junit_names_rule_and_operation_with_the_violation_as_failure_text(demo, run_conformance, pytester):
    api = demo("connectnow", faults={"methods.not-allowed"})
    outcome = run_conformance(api, f"--junitxml={pytester.path / 'junit.xml'}")
    assert outcome.ret == 1
    cases = ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert set(failed) == {"methods.not-allowed"} or all(n == "methods.not-allowed" for n in failed)
    texts = [f.text or "" for f in failed.values()]
    assert any("expected 405, got 404" in t and "Reproduce with (set CONFORMANCE_TOKEN first): curl" in t
               for t in texts)
    classnames = {c.get("classname") for c in ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")}
    assert any("GET /api/users" in (c or "") for c in classnames)


def test_baseline_accepts_old_violations_fails_new_ones_and_reports_fixed(demo, run_conformance, pytester):
    baseline = pytester.path / "conformance-baseline.yaml"
    faulty = demo("connectnow", faults={"methods.not-allowed"})
    written = run_conformance(faulty, f"--conformance-baseline={baseline}", "--conformance-update-baseline")
    assert written.ret == 0, written.output()
    data = yaml.safe_load(baseline.read_text())
    keys = [(e["rule"], e["operation"]) for e in data["accepted"]]
    assert keys == sorted(keys) and {rule for rule, _ in keys} == {"methods.not-allowed"}

    sarif = pytester.path / "r.sarif"
    accepted = run_conformance(faulty, f"--conformance-baseline={baseline}", f"--conformance-sarif={sarif}")
    assert accepted.ret == 0, accepted.output()
    summary = accepted.report["summary"]
    assert summary["new_failures"] == 0 and summary["verdict"] == "passed"
    assert summary["failed"] == 0 and summary["accepted"] == 1
    assert accepted.status("methods.not-allowed") == "accepted"
    assert "xfailed" in accepted.output()
    # a run that passes reads as passed: no FAILED line anywhere, the accepted rule said to be accepted
    assert "FAILED" not in accepted.output(), accepted.output()
    assert "0 rules failed, 1 accepted by the baseline" in accepted.output()
    assert "accepted by the baseline: methods.not-allowed (must) on" in accepted.output()
    # the reasons --conformance-update-baseline wrote are placeholders: the summary names each, it never passes
    # over them without a word
    unexplained = [line for line in accepted.output().splitlines() if line.strip().startswith("NO REASON")]
    assert len(unexplained) == len(keys) and all(TODO_REASON in line for line in unexplained), accepted.output()
    assert len(summary["baseline"]["unexplained"]) == len(keys)
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    current = [r for r in results if r["baselineState"] != "absent"]
    assert current and all(r["ruleId"] == "methods.not-allowed" for r in current)
    assert all(r["baselineState"] == "unchanged" and r["suppressions"][0]["kind"] == "external"
               and TODO_REASON in r["suppressions"][0]["justification"] for r in current)

    worse = demo("connectnow", faults={"methods.not-allowed", "errors.invalid-input"})
    gated = run_conformance(worse, f"--conformance-baseline={baseline}")
    assert gated.ret == 1
    assert gated.failed == {"errors.invalid-input"} and gated.status("methods.not-allowed") == "accepted"
    assert gated.report["summary"]["verdict"] == "failed"
    assert "FAILED conformance::POST /api/users::errors.invalid-input" in gated.output()
    failed_lines = [line for line in gated.output().splitlines() if "FAILED" in line]
    assert failed_lines and not any("methods.not-allowed" in line for line in failed_lines), failed_lines

    fixed = run_conformance(demo("connectnow"), f"--conformance-baseline={baseline}", f"--conformance-sarif={sarif}")
    assert fixed.ret == 0
    assert fixed.report["summary"]["baseline"]["fixed"]
    assert "FIXED methods.not-allowed" in fixed.output()
    absent = [r for r in json.loads(sarif.read_text())["runs"][0]["results"] if r["baselineState"] == "absent"]
    assert {r["ruleId"] for r in absent} == {"methods.not-allowed"} and all(r["kind"] == "pass" for r in absent)


def test_expired_baseline_entry_counts_again(demo, run_conformance, pytester):
    api = demo("connectnow", faults={"methods.not-allowed"})
    baseline = pytester.path / "b.yaml"
    baseline.write_text(yaml.safe_dump({"accepted": [
        {"rule": "methods.not-allowed", "operation": op, "reason": "legacy router", "expires": "2020-01-01"}
        for op in ("GET /api/users", "POST /api/users", "GET /api/users/{id}", "PUT /api/users/{id}",
                   "DELETE /api/users/{id}", "GET /api/health")]}))
    outcome = run_conformance(api, f"--conformance-baseline={baseline}", "-rf")
    assert outcome.ret == 1
    assert "EXPIRED methods.not-allowed" in outcome.output()
    assert outcome.status("methods.not-allowed") == "failed"
    assert "The baseline accepted this until 2020-01-01 (legacy router); it has expired, so it counts again." \
        in outcome.output()
    failing = {op: v for op, v in outcome.rule("methods.not-allowed")["operations"].items() if v["status"] == "failed"}
    assert failing and all(v["baseline_expired"] == "2020-01-01" and not v.get("baselined") for v in failing.values())


def test_malformed_baseline_is_one_sentence(demo, run_conformance, pytester):
    baseline = pytester.path / "b.yaml"
    baseline.write_text("accepted:\n  - rule: x\n")
    outcome = run_conformance(demo("featbit"), f"--conformance-baseline={baseline}", report=False)
    assert outcome.ret == 4
    assert "entry 1 needs rule, operation and reason" in outcome.output()
    assert "Traceback" not in outcome.output()


def test_parallel_run_reports_the_same_verdicts_as_a_serial_run(demo, run_conformance, pytester):
    api = demo("featbit", faults=set(FAULTY["featbit"]))
    serial = run_conformance(api, seed=11)
    parallel = run_conformance(api, "-n", "2", seed=11)

    def verdicts(outcome):
        return [(r["id"], r["status"], {op: v["status"] for op, v in r["operations"].items()},
                 sorted(v["message"] for v in r["violations"])) for r in outcome.report["rules"]]

    assert serial.ret == parallel.ret == 1
    assert verdicts(parallel) == verdicts(serial)


def test_under_xdist_the_operations_with_bodies_are_handed_out_first(demo, run_conformance):
    """xdist gives each operation to one worker; drawing bodies costs most, so those operations start first
    instead of one worker picking up the heaviest last while the other idles (spec order starts with GET)."""
    outcome = run_conformance(demo("featbit"), "-n", "2", "--collect-only", "-q", report=False)
    labels = [line.split("::")[1] for line in outcome.output().splitlines() if line.startswith("conformance::")]
    order = list(dict.fromkeys(labels))
    assert sorted(order[:2]) == ["PATCH /api/v1/projects/{id}", "POST /api/v1/projects"], order
    assert order.index("GET /api/v1/projects/{id}") < order.index("GET /api/v1/health"), order


SECRET = "s3cr3t-T0KEN-d0-n0t-leak"
FORBIDDEN = "r3adonly-T0KEN-d0-n0t-leak"


def test_no_credential_reaches_any_output(demo, run_conformance, pytester):
    api = demo("featbit", token=SECRET, forbidden_token=FORBIDDEN, echo_credentials=True,
               faults={"errors.envelope", "auth.unsupported-channel"})
    outputs = {name: pytester.path / name for name in ("r.html", "r.sarif", "junit.xml")}
    outcome = run_conformance(api, f"--conformance-html={outputs['r.html']}",
                              f"--conformance-sarif={outputs['r.sarif']}", f"--junitxml={outputs['junit.xml']}",
                              f"--conformance-baseline={pytester.path / 'b.yaml'}", "--conformance-update-baseline",
                              "-rA", token=SECRET, forbidden=FORBIDDEN)
    assert outcome.report["summary"]["requests"] > 0
    texts = {name: path.read_text() for name, path in outputs.items()}
    texts["json"] = (pytester.path / "report.json").read_text()
    texts["baseline"] = (pytester.path / "b.yaml").read_text()
    texts["terminal"] = outcome.output()
    assert "[REDACTED]" in texts["json"]
    for secret in (SECRET, FORBIDDEN):
        for name, text in texts.items():
            assert secret not in text, f"{secret} leaked into {name}"


def test_basic_credentials_never_appear_encoded_either(demo, run_conformance, pytester):
    user_password = "alice:0pen-sesame-pw"
    api = demo("basic-crud", token=user_password, faults={"auth.challenge"})
    outcome = run_conformance(api, token=user_password, forbidden=None)
    encoded = base64.b64encode(user_password.encode()).decode()
    text = json.dumps(outcome.report) + outcome.output()
    for secret in (user_password, encoded, "0pen-sesame-pw"):
        assert secret not in text


def test_sources_read_by_document_title_in_the_failure_text_and_the_json(demo, run_conformance):
    outcome = run_conformance(demo("connectnow", faults={"methods.not-allowed"}), "-rf")
    assert outcome.ret == 1
    text = outcome.output()
    assert ('Source:    ConnectNow General API Philosophy, § Response status codes: “405 | METHOD NOT ALLOWED”'
            in text), text
    assert "004_923e2cd2c9b2b8b8.txt" not in text
    source = outcome.rule("methods.not-allowed")["source"]
    assert source["document"] == "004_923e2cd2c9b2b8b8.txt"  # the file stays, for tools
    assert source["document_title"] == "ConnectNow General API Philosophy"
    assert outcome.report["documents"][0] == {"file": "004_923e2cd2c9b2b8b8.txt",
                                              "title": "ConnectNow General API Philosophy"}
    assert [d["file"] for d in outcome.report["documents"][1:]] == ["RFC 9110 HTTP Semantics",
                                                                    "OpenAPI Specification 3.0.3"]  # the base's


def _replay(command: str, token: str) -> int:
    """Run a report's curl command as a user would paste it (bash, the variable set); the status it got."""
    import os
    import subprocess

    result = subprocess.run(["bash", "-c", command + " -sS -o /dev/null -w '%{http_code}' --max-time 10"],
                            capture_output=True, text=True, timeout=30,
                            env={"PATH": os.environ["PATH"], "CONFORMANCE_TOKEN": token})
    assert result.returncode == 0, (command, result.stderr)
    return int(result.stdout)


def test_the_reported_curl_commands_reproduce_the_violation_when_pasted(demo, run_conformance):
    api = demo("featbit", token=SECRET, faults={"auth.unsupported-channel", "content-type.json-response"})
    outcome = run_conformance(api, "-rf", token=SECRET, forbidden=None)
    assert outcome.ret == 1
    assert SECRET not in outcome.output() and SECRET not in json.dumps(outcome.report)
    assert "Reproduce with (set CONFORMANCE_TOKEN first): curl" in outcome.output()
    # reads change nothing, so replaying one gets the answer the run got: 200 for the token in the query
    # (the planted fault), 404 as text/plain for an unknown id (the other one)
    query = next(v for v in outcome.rule("auth.unsupported-channel")["violations"]
                 if v["request"]["method"] == "GET" and "token=$CONFORMANCE_TOKEN" in v["curl"])
    header = next(v for v in outcome.rule("content-type.json-response")["violations"]
                  if v["request"]["method"] == "GET" and '-H "Authorization: $CONFORMANCE_TOKEN"' in v["curl"])
    for violation, status in ((query, 200), (header, 404)):
        assert violation["curl_env"] == ["CONFORMANCE_TOKEN"]
        assert _replay(violation["curl"], SECRET) == violation["response"]["status"] == status, violation["curl"]
        assert _replay(violation["curl"], "not-the-token") == 401  # the credential came from the variable


def test_a_basic_credential_is_reproduced_with_curl_u(demo, run_conformance):
    user_password = "alice:0pen-sesame-pw"
    outcome = run_conformance(demo("basic-crud", token=user_password, faults={"dates.iso8601-utc"}),
                              token=user_password, forbidden=None)
    violation = outcome.rule("dates.iso8601-utc")["violations"][0]
    assert '-u "$CONFORMANCE_TOKEN"' in violation["curl"], violation["curl"]
    assert _replay(violation["curl"], user_password) == violation["response"]["status"]
    assert _replay(violation["curl"], "alice:wrong") == 401
