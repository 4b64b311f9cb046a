"""Real-world OpenAPI descriptions (../shared/realworld/specs): the plugin loads, collects and lints every one.

Linting runs the static rules (`-m naming`: judged from the spec alone, no request sent). Each spec
either collects and lints (exit 0, or 1 when a static rule fails) or stops with exit 4 and one plain
sentence: never a traceback, never INTERNALERROR. The plugin only needs the target to answer, so a trivial local
server stands in for every API. The 13 MB GitHub description has its own test (it is the slow one).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SPECS_DIR = SHARED / "realworld" / "specs"

if not SPECS_DIR.is_dir():
    pytest.skip(f"no real-world specs beside the repository ({SPECS_DIR})", allow_module_level=True)

SPEC_SUFFIXES = (".json", ".yaml", ".yml")
BIG = {"github-api.github.com.octokit-23.0.2.json"}
SPECS = sorted(p for p in SPECS_DIR.rglob("*") if p.is_file() and p.suffix in SPEC_SUFFIXES)


class _NotFound(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'{"message": "not found"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def log_message(self, *args: object) -> None:
        pass


def _warm_up() -> None:
    """Import what loading a spec imports lazily (schemathesis' OpenAPI loader, ...) once, in this process:
    pytester's in-process runs drop the modules a run imported, so each run would import (and
    assertion-rewrite) them again, about 3 s per spec."""
    import requests

    from conformance.spec import load_spec

    from conformance.errors import ConformanceError

    smallest = min(SPECS, key=lambda p: p.stat().st_size)
    try:
        load_spec(str(smallest), "http://127.0.0.1:9", timeout=1.0, session=requests.Session())
    except ConformanceError:
        pass


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    _warm_up()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _collect(pytester: pytest.Pytester, url: str, spec: Path, profile: str = "connectnow"):
    """Collect every item and run the static ones (the naming rules of the connectnow profile)."""
    result = pytester.runpytest("-q", "-m", "naming", f"--conformance-url={url}", f"--conformance-spec={spec}",
                                f"--conformance-profile={profile}", "-p", "no:cacheprovider", "-p", "no:randomly")
    return result, result.stdout.str() + result.stderr.str()


def _assert_collected_or_one_sentence(spec: Path, result, output: str) -> None:
    assert "INTERNALERROR" not in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    if result.ret in (0, 1):
        outcomes = result.parseoutcomes()
        assert outcomes.get("deselected"), output[-3000:]  # the other items were collected
        assert outcomes.get("passed", 0) + outcomes.get("failed", 0) > 0, output[-3000:]  # static rules judged
        return
    assert result.ret == 4, f"{spec.name}: exit {result.ret}\n{output[-3000:]}"
    errors = [line for line in output.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and errors[0].rstrip().endswith("."), output[-3000:]


@pytest.mark.parametrize("spec", [p for p in SPECS if p.name not in BIG], ids=lambda p: p.name)
def test_spec_loads_and_collects(spec: Path, pytester: pytest.Pytester, target: str) -> None:
    result, output = _collect(pytester, target, spec)
    _assert_collected_or_one_sentence(spec, result, output)


@pytest.mark.parametrize("spec", [p for p in SPECS if p.name in BIG], ids=lambda p: p.name)
def test_big_spec_loads_and_collects(spec: Path, pytester: pytest.Pytester, target: str) -> None:
    result, output = _collect(pytester, target, spec)
    _assert_collected_or_one_sentence(spec, result, output)
    assert result.ret in (0, 1), output[-3000:]


def test_every_spec_file_is_covered() -> None:
    assert len(SPECS) >= 40, [p.name for p in SPECS]


# What the real specs taught the loader (conformance/spec.py), pinned on tiny documents.

def _write(pytester: pytest.Pytester, body_schema: dict, extra: dict | None = None) -> Path:
    import json

    doc = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
           "paths": {"/items": {"post": {"requestBody": {"content": {"application/json": {"schema": body_schema}}},
                                          "responses": {"201": {"description": "created"}}}}},
           "components": {"schemas": {"Item": {"type": "object", "allOf": [
               {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}]},
               **(extra or {})}}}
    path = pytester.path / "spec.json"
    path.write_text(json.dumps(doc))
    return path


def test_dangling_ref_is_one_sentence(pytester: pytest.Pytester, target: str) -> None:
    spec = _write(pytester, {"$ref": "#/components/schemas/Nope"})
    result, output = _collect(pytester, target, spec)
    _assert_collected_or_one_sentence(spec, result, output)
    assert result.ret == 4
    assert "#/components/schemas/Nope" in output


def test_ref_into_an_array_and_through_a_ref(pytester: pytest.Pytester, target: str) -> None:
    # digitalocean.com: "#/paths/.../schema/allOf/0/properties/ssh_keys/items"
    spec = _write(pytester, {"type": "object", "properties": {
        "tag": {"$ref": "#/components/schemas/Item/allOf/0/properties/tags/items"},
        "alias": {"$ref": "#/components/schemas/Alias/allOf/0"}}},
        extra={"Alias": {"$ref": "#/components/schemas/Item"}})
    result, output = _collect(pytester, target, spec)
    _assert_collected_or_one_sentence(spec, result, output)
    assert result.ret == 0
