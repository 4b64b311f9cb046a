"""HEAD over a raw socket (transport.raw_head): the bytes a server leaves on a kept-alive connection after the
headers of a HEAD answer, which requests/urllib3 never show, against loopback servers that write raw HTTP."""

from __future__ import annotations

import json
import socket
import time

import pytest

from conformance.models import Request
from conformance.transport import BudgetSpent, Transport
from conformance.transport.raw import RawHeadError, raw_head
from servers import Received, good, respond, start, write_spec

BODY = json.dumps([{"id": 1}]).encode()


def head_with_content(server, request: Received, conn: socket.socket) -> None:
    """HEAD answered like GET, content included (a hand-written server that forgot HEAD); the connection stays."""
    if request.method == "HEAD" and request.headers.get("authorization") == "t":
        respond(conn, 200, BODY)
    else:
        good(server, request, conn)


def head_like_get(server, request: Received, conn: socket.socket) -> None:
    """HEAD with the Content-Length GET would have, and no content: what RFC 9110 9.3.2 allows."""
    if request.method == "HEAD" and request.headers.get("authorization") == "t":
        respond(conn, 200, b"", content_length=len(BODY))
    else:
        good(server, request, conn)


def head_then_close(server, request: Received, conn: socket.socket) -> bool:
    respond(conn, 200, b"", content_length=len(BODY), headers={"Connection": "close"})
    return False


def slow_headers(server, request: Received, conn: socket.socket) -> bool:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    server.stopping.wait()
    return False


@pytest.fixture
def loopback():
    started = []

    def run(behaviour):
        server = start(behaviour)
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


def test_raw_head_reads_the_content_a_server_sends_after_the_headers(loopback):
    server = loopback(head_with_content)
    answer = raw_head(f"{server.url}/items?a=1", {"Authorization": "t", "Accept": "application/json"}, timeout=5)
    assert (answer.status, answer.reason, answer.extra, answer.truncated) == (200, "OK", BODY, False)
    assert answer.headers["content-length"] == [str(len(BODY))]
    sent = server.log[0]
    assert (sent.method, sent.path, sent.headers["authorization"], sent.headers["host"]) == \
        ("HEAD", "/items?a=1", "t", f"127.0.0.1:{server.port}")


def test_raw_head_finds_nothing_after_headers_that_end_the_answer(loopback):
    server = loopback(head_like_get)
    started = time.monotonic()
    answer = raw_head(f"{server.url}/items", {"Authorization": "t"}, timeout=5, linger=0.2)
    assert answer.status == 200 and answer.extra == b"" and answer.headers["content-length"] == [str(len(BODY))]
    assert 0.2 <= time.monotonic() - started < 2  # it waited the linger on the kept-alive connection, no longer

    closing = loopback(head_then_close)
    started = time.monotonic()
    assert raw_head(f"{closing.url}/items", {}, timeout=5, linger=3).extra == b""
    assert time.monotonic() - started < 2  # a closed connection ends the wait at once


def test_raw_head_keeps_the_run_timeout_and_says_what_went_wrong(loopback):
    server = loopback(slow_headers)
    started = time.monotonic()
    with pytest.raises(RawHeadError, match=r"no complete header section within 0.5 s \(--conformance-timeout\)"):
        raw_head(f"{server.url}/items", {}, timeout=0.5)
    assert time.monotonic() - started < 2
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    closed = port.getsockname()[1]
    port.close()
    with pytest.raises(RawHeadError, match="the connection failed"):
        raw_head(f"http://127.0.0.1:{closed}/items", {}, timeout=1)


def test_transport_raw_head_is_admitted_by_the_policy(loopback):
    server = loopback(head_with_content)
    transport = Transport(timeout=5, max_requests=1)
    exchange = transport.raw_head(Request("GET", f"{server.url}/items", {"Authorization": "t"}), kind="head",
                                  note="raw")
    assert transport.sent == 1 and exchange.request.method == "HEAD"
    assert exchange.response.status == 200 and exchange.response.body == BODY
    with pytest.raises(BudgetSpent):
        transport.raw_head(Request("HEAD", f"{server.url}/items"), kind="head")
    assert len(server.log) == 1


def test_methods_head_fails_a_server_that_sends_content_after_heads_headers(loopback, run_conformance, pytester):
    server = loopback(head_with_content)
    outcome = run_conformance(None, f"--conformance-spec={write_spec(pytester.path)}", url=server.url,
                              profile="featbit", token="t", forbidden=None)
    assert outcome.status("methods.head") == "failed", outcome.output()
    assert outcome.messages("methods.head") == [
        f"HEAD sent {len(BODY)} bytes of content after its headers ('[{{\"id\": 1}}]'); it must send none. A client "
        "library does not show them, but on a kept-alive connection they are read as the start of the next answer."]
    violation = outcome.rule("methods.head")["violations"][0]
    assert violation["request"]["method"] == "HEAD" and violation["response"]["status"] == 200
    assert outcome.status("methods.head-headers") == "passed"
    assert violation["request"]["headers"]["Authorization"] == "[REDACTED]"


def test_methods_head_no_false_positive_content_length_without_content(loopback, run_conformance, pytester):
    server = loopback(head_like_get)
    outcome = run_conformance(None, f"--conformance-spec={write_spec(pytester.path)}", url=server.url,
                              profile="featbit", token="t", forbidden=None)
    assert outcome.status("methods.head") == "passed", outcome.output()
    assert outcome.status("methods.head-headers") == "passed", outcome.output()
    assert [r.method for r in server.log].count("HEAD") == 2  # HEAD through the client library, and the raw one
