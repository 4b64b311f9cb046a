"""Shared fixtures: real demo servers on 127.0.0.1 (a free port each) and a helper that runs the real
plugin against them with pytester."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import schemathesis.specs.openapi.schemas  # noqa: F401  (kept imported: pytester would drop and re-import it per run)

import conformance.engine  # noqa: F401  (the same: a test that imports the probes alone would see them registered twice)

from conformance.demo import DemoAPI
from independent.serving import LoopbackServer, app_of
from conformance.demo.server import DEFAULT_FORBIDDEN, DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@dataclass
class Outcome:
    """What one plugin run produced: pytest's result, the exit code, and the JSON report."""

    result: Any
    report: dict[str, Any]

    @property
    def ret(self) -> int:
        return int(self.result.ret)

    def rule(self, rule_id: str) -> dict[str, Any]:
        return next(r for r in self.report["rules"] if r["id"] == rule_id)

    def status(self, rule_id: str) -> str:
        return self.rule(rule_id)["status"]

    def messages(self, rule_id: str) -> list[str]:
        return [v["message"] for v in self.rule(rule_id)["violations"]]

    @property
    def failed(self) -> set[str]:
        return {r["id"] for r in self.report["rules"] if r["status"] == "failed"}

    def output(self) -> str:
        return self.result.stdout.str() + self.result.stderr.str()


@pytest.fixture
def demo() -> Iterator[Any]:
    """Start demo APIs: ``demo("featbit", faults={"cors.origin-echo"})``; all stop after the test."""
    started: list[DemoAPI] = []

    def start(profile: str, faults: set[str] | frozenset[str] = frozenset(), **kwargs: Any) -> DemoAPI:
        api = DemoAPI(profile, faults=set(faults), **kwargs).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


@pytest.fixture
def server():
    """Start a misbehaving server (tests/servers): ``server(behaviour)``; all stop after the test."""
    import servers

    started: list[Any] = []

    def start(behaviour, **state):
        srv = servers.start(behaviour)
        srv.state.update(state)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def run_conformance(pytester: pytest.Pytester):
    """Run the real plugin (in process) against a URL; returns an Outcome with the JSON report."""

    def run(api: DemoAPI | None = None, *args: str, url: str | None = None, profile: str | None = None,
            token: str | None = "default", forbidden: str | None = "default", examples: int = 4,
            seed: int = 7, report: bool = True) -> Outcome:
        argv = [f"--conformance-url={url or api.url}", f"--conformance-max-examples={examples}",
                f"--conformance-seed={seed}", "-p", "no:cacheprovider", "-p", "no:randomly"]
        profile = profile or (api.profile if api else None)
        if profile:
            argv.append(f"--conformance-profile={profile}")
        if token == "default" and api is not None:
            token = DEFAULT_TOKEN[api.profile]
        if token and token != "default":
            argv.append(f"--conformance-token={token}")
        if forbidden == "default" and api is not None:
            forbidden = DEFAULT_FORBIDDEN[api.profile]
        if forbidden and forbidden != "default":
            argv.append(f"--conformance-forbidden-token={forbidden}")
        path = pytester.path / "report.json"
        if report:
            argv.append(f"--conformance-json={path}")
        result = pytester.runpytest(*argv, *args)
        data = json.loads(path.read_text()) if report and path.exists() else {}
        return Outcome(result, data)

    return run


@pytest.fixture
def serve():
    """``serve(handler)`` serves a function from a Werkzeug request to its response on 127.0.0.1 (the loopback
    servers that behave like a real API did); all stop after the test. tests/independent has its own, for apps."""
    started: list[LoopbackServer] = []

    def start(handler: Any) -> LoopbackServer:
        server = LoopbackServer(app_of(handler)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
