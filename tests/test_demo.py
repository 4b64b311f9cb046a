"""The bundled demos: `conformance demo` end to end, the faulty demos fail exactly what they plant,
and the specs in specs/ are the ones the demo APIs serve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.demo import FAULTY, PROFILES, build_spec

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("profile", PROFILES)
def test_faulty_demo_fails_exactly_the_planted_rules(profile, demo, run_conformance):
    outcome = run_conformance(demo(profile, faults=set(FAULTY[profile])))
    assert outcome.failed == set(FAULTY[profile]), outcome.output()
    assert outcome.ret == 1


def test_demo_command_writes_reports_and_reports_planted_failures(tmp_path, capsys):
    code = main(["demo", "--profile", "connectnow", "--faulty", "--reports", str(tmp_path), "--max-examples", "3"])
    out = capsys.readouterr().out
    assert code == 0, out  # the faulty demo did what it is for: exactly the planted violations failed
    assert "planted violations: all found, nothing else failed" in out
    assert out.rstrip().splitlines()[-1].startswith("All 4 failing rules were the planted ones")
    report = json.loads((tmp_path / "connectnow-faulty.json").read_text())
    assert {r["id"] for r in report["rules"] if r["status"] == "failed"} == set(FAULTY["connectnow"])
    assert (tmp_path / "connectnow-faulty.html").read_text().lower().startswith("<!doctype html>")
    assert json.loads((tmp_path / "connectnow-faulty.sarif").read_text())["version"] == "2.1.0"


def test_demo_command_conforming_exits_zero(tmp_path, capsys):
    assert main(["demo", "--profile", "basic-crud", "--reports", str(tmp_path), "--max-examples", "3"]) == 0
    out = capsys.readouterr().out
    assert "profile basic-crud: 0 rules failed" in out and "Every demo passed." in out


def test_rules_command_prints_every_rule(capsys):
    assert main(["rules", "--profile", "featbit"]) == 0
    out = capsys.readouterr().out
    assert "cors.origin-echo" in out and "[FeatBit REST API overview, § CORS]" in out
    assert ".txt" not in out  # documents by title, not by file name
    assert "cannot be observed" in out


def test_rules_command_unknown_profile_is_one_sentence(capsys):
    assert main(["rules", "--profile", "featbt"]) == 4
    err = capsys.readouterr().err
    assert "Unknown profile 'featbt'" in err and "Did you mean 'featbit'?" in err


@pytest.mark.parametrize("profile", PROFILES)
def test_specs_folder_holds_the_demo_specs(profile):
    path = ROOT / "specs" / f"{profile}.openapi.json"
    assert json.loads(path.read_text()) == build_spec(profile), (
        f"regenerate with: python -c 'import json; from conformance.demo import build_spec; "
        f"print(json.dumps(build_spec(\"{profile}\"), indent=2))' > {path}")
