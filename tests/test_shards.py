"""A run split across CI jobs (issue 20): ``--conformance-shard=K/N`` judges a deterministic share of the
operations, each shard writes its JSON report, and ``conformance merge`` gives one report and one exit status,
the same verdicts item for item as the unsplit run. The merge fails closed: a missing, unreadable or duplicated
shard, or reports of different runs, is one sentence and exit 4. Real demo servers, the real plugin (pytester)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.demo import FAULTY, PROFILES
from conformance.run import shard_operations


def junit_cases(path: Path) -> list[tuple[str, str, str, str | None]]:
    """Each test case of a JUnit file: classname, name, outcome (passed | failure | skipped) and its type."""
    out = []
    for case in ET.parse(path).getroot().iter("testcase"):
        children = [child for child in case if child.tag in ("failure", "error", "skipped")]
        outcome = children[0] if children else None
        out.append((case.get("classname"), case.get("name"), outcome.tag if outcome is not None else "passed",
                    outcome.get("type") if outcome is not None else None))
    return out


def cells(report: dict) -> dict:
    """Every (rule, operation) cell's verdict, reason and violations (their messages, the numbers in them aside:
    the demo's clock and id counters moved on between the runs); each rule's status."""
    out = {}
    for rule in report["rules"]:
        out[rule["id"]] = rule["status"]
        for label, entry in rule["operations"].items():
            messages = sorted(re.sub(r"\d+", "N", v["message"]) for v in rule["violations"] if v["operation"] == label)
            out[(rule["id"], label)] = (entry["status"], entry["reason"], entry["violation_count"],
                                        bool(entry.get("advisory")), messages)
    return out


def shard_runs(run_conformance, api, folder: Path, count: int = 4, *args: str, seed: int = 5) -> list[Path]:
    paths = []
    for k in range(1, count + 1):
        path = folder / f"shard-{k}.json"
        outcome = run_conformance(api, f"--conformance-shard={k}/{count}", f"--conformance-json={path}", *args,
                                  seed=seed, report=False)
        assert outcome.ret in (0, 1), outcome.output()
        assert path.exists(), outcome.output()
        paths.append(path)
    return paths


def merge(capsys, *args: str | Path) -> tuple[int, str, str]:
    status = main(["merge", *(str(a) for a in args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(capsys, *args: str | Path) -> str:
    """The merge refuses: exit 4, one sentence on stderr, no traceback; returns the sentence."""
    status, out, err = merge(capsys, *args)
    assert status == 4, out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("conformance: ") and "Traceback" not in err, err
    assert lines[0].endswith((".", "?")), lines[0]
    return lines[0][len("conformance: "):]


@pytest.mark.parametrize("profile", PROFILES)
def test_four_shards_merged_give_the_verdicts_of_the_unsplit_run_item_for_item(profile, demo, run_conformance,
                                                                                pytester, capsys):
    api = demo(profile, faults=set(FAULTY[profile]))
    whole = run_conformance(api, f"--junitxml={pytester.path / 'whole.xml'}", seed=5)
    assert whole.ret == 1, whole.output()
    shards = shard_runs(run_conformance, api, pytester.path)
    # the shares: every operation exactly once; a family whole in one share (each demo has two: its collection
    # and /api/health), so two of the four shares are empty here, and an empty share is a share all the same
    owned = [json.loads(p.read_text())["summary"]["shard"]["operations"] for p in shards]
    assert sorted(label for share in owned for label in share) == sorted(whole.report["summary"]["reach"]["by_operation"])
    assert sorted(len(share) > 0 for share in owned) == [False, False, True, True], owned
    status, out, err = merge(capsys, *shards, "--json", pytester.path / "merged.json",
                             "--junitxml", pytester.path / "merged.xml", "--html", pytester.path / "merged.html",
                             "--sarif", pytester.path / "merged.sarif")
    assert status == whole.ret, out + err
    merged = json.loads((pytester.path / "merged.json").read_text())
    assert cells(merged) == cells(whole.report)
    assert junit_cases(pytester.path / "merged.xml") == junit_cases(pytester.path / "whole.xml")
    for key in ("verdict", "passed", "failed", "accepted", "advisory", "skipped", "new_failures", "operations"):
        assert merged["summary"][key] == whole.report["summary"][key], key
    reached = lambda report: {label: e["reached"] for label, e in report["summary"]["reach"]["by_operation"].items()}  # noqa: E731
    assert reached(merged) == reached(whole.report)
    assert merged["summary"]["requests"] == sum(json.loads(p.read_text())["summary"]["requests"] for p in shards)
    assert f"profile {profile}: {merged['summary']['failed']} rules failed" in out
    assert (pytester.path / "merged.html").stat().st_size and (pytester.path / "merged.sarif").stat().st_size


def test_the_baseline_given_to_the_merge_is_applied_to_the_whole(demo, run_conformance, pytester, capsys):
    api = demo("featbit", faults={"cors.vary-origin"})
    shards = shard_runs(run_conformance, api, pytester.path, 2)
    baseline = pytester.path / "baseline.yaml"
    status, out, _ = merge(capsys, *shards, "--baseline", baseline, "--update-baseline")
    assert status == 0 and "Baseline report" in out, out
    accepted = baseline.read_text()
    assert accepted.count("rule: cors.vary-origin") >= 2  # the violations of both shards' operations
    status, out, _ = merge(capsys, *shards, "--baseline", baseline, "--json", pytester.path / "m.json")
    assert status == 0, out
    summary = json.loads((pytester.path / "m.json").read_text())["summary"]
    assert summary["verdict"] == "passed" and summary["accepted"] >= 1 and summary["new_failures"] == 0
    status, out, _ = merge(capsys, *shards)  # without it, the violations count
    assert status == 1 and "FAILED cors.vary-origin" in out, out


def test_the_merge_refuses_a_missing_a_duplicated_or_an_unreadable_shard(demo, run_conformance, pytester, capsys):
    shards = shard_runs(run_conformance, demo("featbit"), pytester.path)
    assert refused(capsys, shards[0], shards[1], shards[3]).startswith("Shard 3/4 is missing:")
    assert refused(capsys, shards[0], shards[2]).startswith("Shards 2/4, 4/4 are missing:")
    assert refused(capsys, *shards, shards[1]) == f"Shard 2/4 is given twice: {shards[1]} and {shards[1]}."
    gone = pytester.path / "gone.json"
    assert refused(capsys, *shards[:3], gone).startswith(f"The shard report {gone} does not exist")
    cut = pytester.path / "cut.json"
    cut.write_text(shards[3].read_text()[:500])
    assert refused(capsys, *shards[:3], cut).startswith(f"The shard report {cut} is not valid JSON")
    assert refused(capsys).startswith("conformance merge needs the shards' JSON reports")
    interrupted = json.loads(shards[3].read_text())
    interrupted["summary"]["shard"]["exit_status"] = 2
    stopped = pytester.path / "stopped.json"
    stopped.write_text(json.dumps(interrupted))
    assert refused(capsys, *shards[:3], stopped) == (f"Shard 4/4 ({stopped}) did not finish (exit status 2: "
                                                     "interrupted); rerun it.")


def test_the_merge_refuses_reports_of_different_runs(demo, run_conformance, pytester, capsys):
    api = demo("featbit")
    one = shard_runs(run_conformance, api, pytester.path / "a", 2, seed=5)
    other = shard_runs(run_conformance, api, pytester.path / "b", 2, seed=6)
    assert refused(capsys, one[0], other[1]) == (f"{one[0]} and {other[1]} are reports of different runs: the seed is "
                                                 "5 in one and 6 in the other.")
    three = shard_runs(run_conformance, api, pytester.path / "c", 3, seed=5)
    assert refused(capsys, one[0], three[1], three[2]).endswith("split into 2 shards in one, 3 in the other.")
    basic = demo("basic-crud")
    crud = shard_runs(run_conformance, basic, pytester.path / "d", 2, seed=5)
    sentence = refused(capsys, one[0], crud[1])
    assert "are reports of different runs: the spec is" in sentence, sentence
    whole = run_conformance(api, seed=5)  # a whole run's report is not a shard's
    assert refused(capsys, pytester.path / "report.json", one[1]).startswith(
        f"The report {pytester.path / 'report.json'} is of a whole run, not of a shard")
    assert whole.ret == 0


def test_a_credential_refused_in_one_shard_and_accepted_in_another_is_said(demo, run_conformance, pytester,
                                                                          capsys):
    """Which shard saw what: the merge says refused, and that another shard had it accepted (the API answered
    the same credential differently; here one shard's report is edited, as a flapping API would have made it)."""
    shards = shard_runs(run_conformance, demo("featbit"), pytester.path, 2)
    data = json.loads(shards[1].read_text())
    assert data["summary"]["credential"]["status"] == "accepted"
    data["summary"]["credential"] = {"status": "refused", "operation": "GET /api/v1/projects", "answered": 401,
                                     "channel": "in the header Authorization",
                                     "message": "the credential given (--conformance-token) was refused: "
                                                "GET /api/v1/projects answered 401 to it"}
    shards[1].write_text(json.dumps(data))
    status, out, _ = merge(capsys, *shards, "--json", pytester.path / "m.json")
    credential = json.loads((pytester.path / "m.json").read_text())["summary"]["credential"]
    assert credential["status"] == "refused" and credential["mixed"] == {"1/2": "accepted", "2/2": "refused"}
    assert "in shard 2/2; shard 1/2 had it accepted" in credential["message"]
    assert "CREDENTIAL REFUSED" in out and "had it accepted" in out, out


@pytest.mark.parametrize("given", ["2-4", "x/4", "2/", "0/4", "5/4", "1/0", "-1/4"])
def test_a_bad_shard_is_one_sentence_exit_4(given, pytester):
    result = pytester.runpytest("-p", "no:cacheprovider", "--conformance-url=http://127.0.0.1:9",
                                "--conformance-profile=featbit", f"--conformance-shard={given}",
                                "--conformance-seed=1", "--conformance-json=r.json")
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 4 and "Traceback" not in text, text
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("ERROR: --conformance-shard"), text
    assert "(from the command line)" in errors[0] and errors[0].endswith("."), errors[0]


@pytest.mark.parametrize("where", ["env", "ini"])
def test_the_shard_comes_from_the_environment_or_the_ini_file_too(where, pytester, monkeypatch):
    if where == "env":
        monkeypatch.setenv("CONFORMANCE_SHARD", "5/4")
    else:
        pytester.makeini("[pytest]\nconformance_shard = 5/4\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--conformance-url=http://127.0.0.1:9",
                                "--conformance-profile=featbit", "--conformance-seed=1", "--conformance-json=r.json")
    origin = "the environment variable CONFORMANCE_SHARD" if where == "env" else "the ini option conformance_shard"
    assert result.ret == 4
    assert f"--conformance-shard=5/4: K must be between 1 and N (4); shares are numbered 1 to 4 (from {origin})." \
        in result.stderr.str()


@pytest.mark.parametrize("missing, says", [
    ("--conformance-seed=1", "--conformance-shard needs --conformance-seed"),
    ("--conformance-json=r.json", "--conformance-shard needs --conformance-json=PATH"),
])
def test_a_shard_needs_the_seed_and_a_json_report(missing, says, pytester):
    given = [a for a in ("--conformance-seed=1", "--conformance-json=r.json") if a != missing]
    result = pytester.runpytest("-p", "no:cacheprovider", "--conformance-url=http://127.0.0.1:9",
                                "--conformance-profile=featbit", "--conformance-shard=1/2", *given)
    assert result.ret == 4 and says in result.stderr.str(), result.stderr.str()


def test_the_shares_cover_every_operation_once_each_family_whole_balanced_by_weight():
    class Op:
        def __init__(self, path: str, weight: int):
            self.path, self.weight, self.label = path, weight, f"GET {path}"

    operations = [Op(path, 1 + (i * 7) % 13) for i, path in enumerate(
        f"/r{n}{tail}" for n in range(12) for tail in ("", "/{id}", "/{id}/keys", "/search"))]
    shares = [shard_operations(operations, (k, 4)) for k in range(1, 5)]
    labels = [op.label for share in shares for op in share]
    assert sorted(labels) == sorted(op.label for op in operations) and len(labels) == len(set(labels))
    for n in range(12):  # a family (/rN, /rN/{id}, ...) is whole in one share: its verdicts read each other
        assert sum(any(op.path.split("/")[1] == f"r{n}" for op in share) for share in shares) == 1
    loads = [sum(op.weight + 1 for op in share) for share in shares]
    family = max(sum(op.weight + 1 for op in operations if op.path.split("/")[1] == f"r{n}") for n in range(12))
    assert max(loads) - min(loads) <= family, loads
    for share in shares:  # each share keeps the spec's order
        assert share == sorted(share, key=operations.index)
    assert shares == [shard_operations(operations, (k, 4)) for k in range(1, 5)]  # deterministic
    assert shard_operations(operations[:4], (2, 2)) == []  # more shards than families: an empty share


def test_the_shards_min_reach_is_judged_on_the_whole_by_the_merge(demo, run_conformance, pytester, capsys):
    """A shard reaches its share only, so --conformance-min-reach is the merge's to judge, on every operation."""
    shards = shard_runs(run_conformance, demo("featbit"), pytester.path, 2, "--conformance-min-reach=100",
                        seed=12345678901)  # a seed as big as a CI run id
    assert all("gate" not in json.loads(p.read_text())["summary"]["reach"] for p in shards)
    status, out, _ = merge(capsys, *shards, "--json", pytester.path / "m.json")
    gate = json.loads((pytester.path / "m.json").read_text())["summary"]["reach"]["gate"]
    assert status == 0 and gate["passed"] and gate["reached"] == gate["operations"] == 6, out
    data = json.loads(shards[0].read_text())  # as if that shard had reached none of its operations
    for entry in data["summary"]["reach"]["by_operation"].values():
        entry["reached"] = False
    shards[0].write_text(json.dumps(data))
    status, out, _ = merge(capsys, *shards)
    assert status == 1 and "REACH BELOW THE MINIMUM" in out, out
