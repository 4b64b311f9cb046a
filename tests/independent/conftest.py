"""Fixtures for the independent servers' own tests (their HTTP correctness, without the plugin)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from .serving import LoopbackServer


@pytest.fixture
def serve() -> Iterator[Callable[[Any], LoopbackServer]]:
    """``serve(FeatBitFlags())`` starts the application on 127.0.0.1; all stop after the test."""
    started: list[LoopbackServer] = []

    def start(app: Any) -> LoopbackServer:
        server = LoopbackServer(app).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
