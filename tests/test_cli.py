"""The `conformance` command as a user runs it, in a subprocess: --version, the license, and
`conformance demo --serve` (one demo API in the foreground)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import conformance

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "conformance"  # the console script pip installed beside this Python
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "conformance.cli"]


def test_version_prints_the_installed_version():
    result = subprocess.run([*CLI, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"conformance {metadata.version('conformance')}"
    assert conformance.__version__ == metadata.version("conformance")


def test_the_license_is_mit_and_named_in_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "THE SOFTWARE IS PROVIDED \"AS IS\"" in text
    assert metadata.metadata("conformance")["License-Expression"] == "MIT"


def test_rules_shows_each_source_by_document_title_and_section():
    result = subprocess.run([*CLI, "rules", "--profile", "basic-crud", "--profile", "featbit"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[FeatBit REST API overview, § Authentication using request header]" in out
    assert "[API reference overview (HTTP Basic auth, coded errors, UTC ISO-8601 dates, HEAD), § Dates]" in out
    assert "_" + "d9a06a46ed08e79c" not in out and ".txt" not in out  # no file names


def test_a_closed_pipe_is_not_a_traceback():
    result = subprocess.run(f"{' '.join(CLI)} rules | head -1", shell=True, capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith("featbit: FeatBit REST API conventions")
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr


def test_a_catalog_that_extends_keeps_the_titles_of_the_documents_it_inherits(tmp_path):
    (tmp_path / "acme.yaml").write_text(
        "profile: acme\ntitle: ACME conventions\nextends: featbit\n"
        "documents: [{file: acme-guide.md, title: ACME API guide}]\n"
        "rules:\n  - id: cors.vary-origin\n    source: {document: acme-guide.md, section: Caching}\n")
    result = subprocess.run([*CLI, "rules", "--profile", "acme.yaml"], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "[ACME API guide, § Caching]" in result.stdout
    assert "[FeatBit REST API overview, § Authentication]" in result.stdout
