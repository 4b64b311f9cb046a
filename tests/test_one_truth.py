"""One truth per fact: the lists of profiles and demos, and each option's environment and ini names, come from
one place, and every surface (README, errors, --help) says the same."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conformance.catalog import BASE_PROFILE, BUILTIN_PROFILES
from conformance.cli import SERVABLE
from conformance.settings import OPTIONS, env_name, ini_name

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CLI = [str(Path(sys.executable).parent / "conformance")]
PROFILES = [*BUILTIN_PROFILES, BASE_PROFILE]


def test_pytest_help_names_every_options_environment_variable_and_ini_key_and_types_booleans(pytester):
    result = pytester.runpytest("--help")
    text = re.sub(r"\s+", " ", result.stdout.str())
    for name, _, kind in OPTIONS:
        assert f"env {env_name(name)}; ini {ini_name(name)}" in text, name
        if kind == "bool":
            assert f"{ini_name(name)} (bool):" in text, name


def test_a_boolean_ini_key_that_is_not_a_boolean_is_one_sentence_naming_the_key(pytester):
    pytester.makeini("[pytest]\nconformance_read_only = maybe\n")
    result = pytester.runpytest("--conformance-url=http://127.0.0.1:9", "--conformance-profile=featbit")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: --conformance-read-only takes true or false; got an invalid truth value "
                                 "'maybe' (from the ini option conformance_read_only)."])


def test_every_surface_lists_the_same_profiles(pytester):
    row = next(line for line in README.splitlines() if line.startswith("| `--conformance-profile=NAME`"))
    assert re.findall(r"`([a-z][a-z-]*)`", row.split("|")[3]) == PROFILES, row
    missing = pytester.runpytest("--conformance-url=http://127.0.0.1:9")
    assert missing.ret == 4
    error = missing.stderr.str()
    assert all(profile in error for profile in PROFILES), error
    help_text = re.sub(r"\s+", " ", pytester.runpytest("--help").stdout.str())
    assert f"Conventions to check: {', '.join(BUILTIN_PROFILES)}, {BASE_PROFILE}" in help_text


def test_every_surface_lists_the_same_demos():
    said = re.search(r"`--serve` takes (.*?) \(", README).group(1)
    assert re.findall(r"`([a-z-]+)`", said) == list(SERVABLE), said
    result = subprocess.run([*CLI, "demo", "--help"], capture_output=True, text=True, timeout=60)
    assert f"start one demo API in the foreground: {', '.join(SERVABLE)}" in re.sub(r"\s+", " ", result.stdout)


def test_a_skip_line_names_the_rule_and_operation_not_the_plugins_source(demo, run_conformance):
    outcome = run_conformance(demo("featbit"), "-rs")
    skips = [line for line in outcome.result.stdout.lines if line.startswith("SKIPPED")]
    assert skips, outcome.output()
    assert all(line.split("] ", 1)[1].startswith("conformance: ") for line in skips), skips
    assert not any("plugin.py" in line for line in skips), skips
