"""The `conformance` command as a user runs it, in a subprocess: --version, the license, and
`conformance demo --serve` (one demo API in the foreground)."""

from __future__ import annotations

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
