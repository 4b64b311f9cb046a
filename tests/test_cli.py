"""The `conformance` command as a user runs it, in a subprocess: --version, the license, and
`conformance demo --serve` (one demo API in the foreground)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import requests

import conformance
from conformance.run import load_catalog

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "conformance"  # the console script pip installed beside this Python
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "conformance.cli"]


def test_version_prints_the_installed_version():
    result = subprocess.run([*CLI, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # the distribution is pytest-conformance (pytest's plugin list is built from that prefix; "conformance" on the
    # package index is another project): the install line, --version and the metadata say the same name
    assert result.stdout.strip() == f"pytest-conformance {metadata.version('pytest-conformance')}"
    assert conformance.__version__ == metadata.version("pytest-conformance")
    readme = (ROOT / "README.md").read_text()
    installs = re.findall(r"pip install ([^\s`#]+)", readme)
    assert installs and all(name in ("pytest-conformance", "-e") for name in installs), installs


def test_the_license_is_mit_and_named_in_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "THE SOFTWARE IS PROVIDED \"AS IS\"" in text
    assert metadata.metadata("pytest-conformance")["License-Expression"] == "MIT"


def test_rules_shows_each_source_by_document_title_and_section():
    result = subprocess.run([*CLI, "rules", "--profile", "basic-crud", "--profile", "featbit"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[FeatBit REST API overview, § Authentication using request header]" in out
    assert "[API reference overview (HTTP Basic auth, coded errors, UTC ISO-8601 dates, HEAD), § Dates]" in out
    assert "_" + "d9a06a46ed08e79c" not in out and ".txt" not in out  # no file names


def _rules_table(profile: str) -> list[str]:
    result = subprocess.run([*CLI, "rules", "--profile", profile], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _row(lines: list[str], rule_id: str) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith(rule_id + " "))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1].strip()), len(lines))
    return lines[start:end]


def test_rules_shows_each_rules_basis_and_which_are_advisory():
    lines = _rules_table("featbit")
    count = len(load_catalog("featbit").rules)
    assert lines[0] == (f"featbit: FeatBit REST API conventions ({count} rules, 1 binding on the structure of the "
                        "document's example, 1 advisory on a value of the document's example)")
    legend = " ".join(lines[1:4])
    assert "example-structure: the document promises a format and its example is the only definition of it" in legend
    assert "such a rule is advisory, its failures are reported and never fail a run" in legend
    assert re.match(r"id +category +severity +basis +title / source$", next(l for l in lines if l.startswith("id ")))

    value, structure, sentence = _row(lines, "cors.max-age"), _row(lines, "errors.envelope-example"), \
        _row(lines, "cors.vary-origin")
    assert re.match(r"cors\.max-age +cors +should +example-value +Preflight answers cache", value[0]), value
    assert any(line.strip() == "advisory: a failure never fails the run" for line in value), value
    assert re.match(r"errors\.envelope-example +errors +must +example-structure +Error bodies", structure[0]), structure
    assert not any("advisory" in line for line in structure), structure
    assert re.match(r"cors\.vary-origin +cors +should +sentence +A response", sentence[0]), sentence
    assert not any("advisory" in line for line in sentence), sentence


def test_rules_shows_connectnow_s_example_page_as_binding_structure():
    lines = _rules_table("connectnow")
    for rule_id in ("pagination.fields", "pagination.page-arithmetic", "pagination.links"):
        assert re.match(rf"{re.escape(rule_id)} +pagination +must +example-structure ", _row(lines, rule_id)[0])
    assert re.match(r"naming\.item-under-collection +naming +should +example-value ",
                    _row(lines, "naming.item-under-collection")[0])


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


def test_the_faulty_demo_prints_each_thing_once_and_ends_saying_the_failures_were_planted(tmp_path):
    result = subprocess.run([*CLI, "demo", "--faulty", "--profile", "connectnow", "--reports", str(tmp_path),
                             "--max-examples", "3"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr  # it found exactly what was planted: the demo worked
    for once in ("profile connectnow: 4 rules failed", "JSON report:", "HTML report:", "SARIF report:",
                 "planted violations: all found, nothing else failed"):
        assert out.count(once) == 1, f"{once!r} printed {out.count(once)} times:\n{out}"
    assert len(re.findall(r"^\d+ failed, \d+ passed", out, re.M)) == 1  # pytest's own line, once
    assert "counts the profile's rules" in out and "pytest's last line counts its test items" in out
    assert out.rstrip().splitlines()[-1].startswith("All 4 failing rules were the planted ones")
    assert "Traceback" not in out + result.stderr


def _serve(*args: str, sigint_ignored: bool = False) -> tuple[subprocess.Popen, list[str]]:
    """Start `conformance demo --serve ...`; its printed lines up to "Ctrl-C stops it."."""
    ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None
    process = subprocess.Popen([*CLI, "demo", "--serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=ignore)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops it."):
            return process, lines
    process.kill()
    raise AssertionError(f"no 'Ctrl-C stops it.' from --serve: {lines} {process.stderr.read()}")


def _interrupt(process: subprocess.Popen) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err


def test_serve_stops_on_ctrl_c_though_started_as_a_background_job():
    """A script's background job (`conformance demo --serve featbit &`) starts with SIGINT ignored: the demo
    still stops on it, as the line it prints promises."""
    process, _ = _serve("featbit", sigint_ignored=True)
    try:
        code, out, err = _interrupt(process)
    finally:
        process.kill()  # (a no-op once it stopped)
    assert code == 0 and "stopped the featbit demo API" in out, err


def test_serve_starts_one_demo_prints_how_to_point_pytest_at_it_and_stops_on_ctrl_c(tmp_path):
    process, lines = _serve("featbit")
    try:
        text = "\n".join(lines)
        url = re.search(r"on (http://127\.0\.0\.1:\d+)", lines[0]).group(1)
        assert f"spec:             {url}/openapi.json" in text
        assert "token:            demo-token" in text and "forbidden token:  demo-readonly" in text
        assert requests.get(f"{url}/api/v1/projects", timeout=10).status_code == 401
        answer = requests.get(f"{url}/api/v1/projects", headers={"Authorization": "demo-token"}, timeout=10)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
        command = next(line.strip() for line in lines if "pytest --conformance-url=" in line)
        pytest_path = Path(sys.executable).parent / "pytest"
        assert command == (f"CONFORMANCE_TOKEN=demo-token CONFORMANCE_FORBIDDEN_TOKEN=demo-readonly {pytest_path} "
                           f"--conformance-url={url} --conformance-profile=featbit "
                           f"--conformance-html=reports/featbit.html")
        # the command runs as printed, from an empty directory and a new shell whose PATH has no virtual
        # environment (a new terminal), with fewer examples to keep the test short
        venv = str(Path(sys.executable).parent)
        bare = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        bare["PATH"] = ":".join(p for p in os.environ["PATH"].split(":") if p and p != venv) or "/usr/bin:/bin"
        run = subprocess.run(["bash", "--norc", "--noprofile", "-c",
                              command + " --conformance-max-examples=2 -q -p no:cacheprovider"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300, env=bare)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        assert "profile featbit: 0 rules failed" in run.stdout and (tmp_path / "reports" / "featbit.html").exists()
    finally:
        code, out, err = _interrupt(process)
    assert code == 0, err
    assert "stopped the featbit demo API" in out and "Traceback" not in err + out
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)


def test_serve_faulty_on_a_chosen_port(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process, lines = _serve("basic-crud", "--faulty", "--port", str(port))
    try:
        assert lines[0].startswith(f"basic-crud demo API (faulty) on http://127.0.0.1:{port}, breaking 4 rules")
        assert "forbidden token:  reader:reader-password" in "\n".join(lines)  # a read-only identity
        # auth.challenge is planted: a 401 without WWW-Authenticate
        answer = requests.get(f"http://127.0.0.1:{port}/api/articles", timeout=10)
        assert answer.status_code == 401 and "www-authenticate" not in answer.headers
        busy = subprocess.run([*CLI, "demo", "--serve", "featbit", "--port", str(port)], capture_output=True,
                              text=True, timeout=60)
        assert busy.returncode == 4
        assert busy.stderr.startswith(f"conformance: cannot listen on 127.0.0.1:{port}") and "Traceback" not in busy.stderr
    finally:
        assert _interrupt(process)[0] == 0


def test_serve_names_the_demos_it_knows():
    result = subprocess.run([*CLI, "demo", "--serve", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "invalid choice: 'nope'" in result.stderr
    assert "featbit-nested" in result.stderr and "Traceback" not in result.stderr


def test_serve_the_nested_demo():
    process, lines = _serve("featbit-nested")
    try:
        url = re.search(r"on (http://127\.0\.0\.1:\d+)", lines[0]).group(1)
        assert "--conformance-profile=featbit --conformance-html=reports/featbit-nested.html" in "\n".join(lines)
        answer = requests.get(f"{url}/api/v1/projects", headers={"Authorization": "demo-token"}, timeout=10)
        assert answer.status_code == 200 and answer.json()["success"] is True
        assert requests.get(f"{url}/openapi.json", timeout=10).json()["paths"]
    finally:
        assert _interrupt(process)[0] == 0


# -- the Makefile: says what it installs before installing it, and `make demo-faulty` ends well ------------

MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="no make")


def _make(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([MAKE, "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env=env or os.environ.copy())


@needs_make
def test_installing_says_what_and_why_before_doing_it_and_shows_pip_progress(tmp_path):
    venv = tmp_path / "venv"
    dry = _make("-n", f"VENV={venv}", f"{venv}/.installed")  # -n: print the recipe, run nothing
    assert dry.returncode == 0, dry.stderr
    lines = [line for line in dry.stdout.splitlines() if line.strip()]
    first_command = next(n for n, line in enumerate(lines) if line.startswith("python3 -m venv"))
    said = " ".join(lines[:first_command])
    assert "Installing pytest-conformance (the conformance command and its pytest plugin) into" in said and "virtual environment" in said and "30 s" in said
    pips = [line for line in lines if " -m pip install" in line]
    assert len(pips) == 2 and all(" -q" not in line and "--progress-bar on" in line for line in pips)


def _fake_apt(tmp_path: Path, plan: str) -> tuple[dict[str, str], Path]:
    """A PATH without chromium, as root, with an apt-get that logs what it is asked and plans as ``plan`` says
    (nothing is installed); grep, tr and cat, which the recipe and the stub read the plan with, are the machine's own."""
    log = tmp_path / "apt.log"
    (tmp_path / "plan.txt").write_text(plan)
    (tmp_path / "id").write_text("#!/bin/sh\necho 0\n")
    (tmp_path / "apt-get").write_text(f'#!/bin/sh\necho "apt-get $*" >> {log}\n'
                                      f'case "$*" in *--assume-no*) cat {tmp_path / "plan.txt"};; '
                                      f'*) echo "Progress: apt-get $*";; esac\n')
    for stub in ("id", "apt-get"):
        (tmp_path / stub).chmod(0o755)
    for tool in ("grep", "tr", "cat"):
        (tmp_path / tool).symlink_to(shutil.which(tool))
    return {"PATH": str(tmp_path), "HOME": str(tmp_path)}, log


APT_PLAN = ("The following NEW packages will be installed:\n  chromium chromium-common\n"
            "{upgraded} upgraded, 25 newly installed, 0 to remove and 144 not upgraded.\n"
            "Need to get 113 MB/124 MB of archives.\nAfter this operation, 414 MB of additional disk space will be used.\n")


@needs_make
def test_make_browser_installs_chromium_without_recommends_saying_what_and_how_much_first(tmp_path):
    env, log = _fake_apt(tmp_path, APT_PLAN.format(upgraded=0))
    result = _make("browser", env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0].startswith("== Installing Chromium with apt-get --no-install-recommends (as root)"), out
    assert out[1].strip() == "0 upgraded, 25 newly installed, 0 to remove and 144 not upgraded."
    assert "Need to get 113 MB" in out[2] and "414 MB of additional disk space" in out[2]
    assert log.read_text().splitlines() == ["apt-get update -qq", "apt-get install --no-install-recommends --assume-no chromium",
                                            "apt-get install -y -qq --no-install-recommends --no-upgrade chromium"]


@needs_make
def test_make_browser_upgrades_nothing_already_on_the_machine_and_says_why_it_skips(tmp_path):
    env, log = _fake_apt(tmp_path, APT_PLAN.format(upgraded=15))
    result = _make("browser", env=env)
    assert result.returncode == 0, result.stderr
    assert "would upgrade packages already here" in result.stdout and "15 upgraded" in result.stdout
    assert "will be skipped" in result.stdout
    assert not any("-y" in line for line in log.read_text().splitlines()), log.read_text()  # nothing installed


@needs_make
def test_make_demo_faulty_ends_saying_the_failures_were_planted_and_make_reports_no_error(tmp_path):
    venv = Path(sys.executable).parent.parent
    if not (venv / "bin" / "conformance").exists():
        pytest.skip("not run from a virtual environment with the conformance command")
    result = _make("-o", f"{venv}/.installed", f"VENV={venv}", "demo-faulty",  # -o: the venv counts as installed
                   f"DEMO_ARGS=--profile flextype --max-examples 3 --reports {tmp_path}")
    text = result.stdout + result.stderr
    assert result.returncode == 0, text
    assert result.stdout.rstrip().splitlines()[-1].startswith("All 3 failing rules were the planted ones")
    assert "Error" not in text and "ignored" not in text


def test_the_readme_shows_the_counts_a_real_demo_run_prints(tmp_path):
    """The sample output in the README is what `make demo` prints for featbit (timings aside)."""
    result = subprocess.run([*CLI, "demo", "--profile", "featbit", "--reports", str(tmp_path)], capture_output=True,
                            text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = re.search(r"^(profile featbit: \d+ rules? failed, \d+ passed, \d+ skipped);", result.stdout, re.M)
    items = re.search(r"^(\d+ passed(?:, \d+ skipped)?) in ", result.stdout, re.M)
    assert summary and items, result.stdout
    readme = (ROOT / "README.md").read_text()
    assert f"`{summary.group(1)}`" in readme, f"README: write `{summary.group(1)}`"
    assert f"`{items.group(1)}`" in readme, f"README: write `{items.group(1)}`"


def test_the_command_imports_no_schemathesis_before_a_demo_starts_pytest():
    """pytest warns ('already imported so cannot be rewritten') when a plugin's module is imported before it
    starts; the demo runs pytest in this process, so the command itself must not import schemathesis."""
    probe = subprocess.run([sys.executable, "-c", "import sys, conformance.cli; print('schemathesis' in sys.modules)"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "False", probe.stdout + probe.stderr
