"""Requests in flight concurrently (--conformance-concurrency), against real loopback servers:

- the same seed sends the same requests and gives the same verdicts at concurrency 1 and 8, against a
  server that answers every request after a random pause (so the answers come back in a random order);
- no more than N requests are ever in flight at once;
- the rate cap and the request budget hold at concurrency 8, and under -n 2;
- the transport, the policy and the resources keep their limits with many threads at once: the watchdog
  cuts only its own request, the budget counts exactly, a parent is listed once and the resource writes aim
  at is created once however many threads ask for it.
"""

from __future__ import annotations

import collections
import io
import json
import random
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import requests

import servers
from conformance.demo import DemoAPI
from conformance.demo.nested import NestedDemoAPI
from conformance.demo.server import DEFAULT_FORBIDDEN, DEFAULT_TOKEN, EPOCH

VOLATILE_HEADERS = {"host", "connection", "accept-encoding"}


class _AnswerFirst(io.RawIOBase):
    """A handler's writer that calls ``before`` once, before the first byte of the answer is written."""

    def __init__(self, writer: Any, before: Any):
        super().__init__()
        self._writer, self._before = writer, before

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._before()
        return self._writer.write(data)

    def flush(self) -> None:
        self._writer.flush()


class ShuffledDemo(DemoAPI):
    """A demo API that answers every request after a random pause of up to ``max_pause`` seconds (answers come
    back in a random order), names every resource it creates after its content (so a resource gets the same
    id whichever creation happened first), and logs every request whole and how many were in flight."""

    def __init__(self, profile: str, max_pause: float = 0.015, slow: Any = None, **kwargs: Any):
        super().__init__(profile, **kwargs)
        self.log: list[tuple[str, str, tuple, bytes]] = []
        self.times: list[list[float]] = []  # per logged request: when it arrived, when it was answered
        self.in_flight = 0
        self.most_in_flight = 0
        pauses = random.Random()  # unseeded (a different order every run), and not the global one Hypothesis seeds
        api = self
        base = self._server.RequestHandlerClass

        class Shuffled(base):  # type: ignore[misc, valid-type]
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                original = self.rfile
                body = original.read(length) if length else b""
                headers = tuple(sorted((k.lower(), v) for k, v in self.headers.items()
                                       if k.lower() not in VOLATILE_HEADERS))
                with api.lock:
                    api.log.append((self.command, self.path, headers, body))
                    times = [time.monotonic()]
                    api.times.append(times)
                    api.in_flight += 1
                    api.most_in_flight = max(api.most_in_flight, api.in_flight)
                answered = False

                def answer() -> None:
                    # the request counts as answered before the first byte of its answer leaves: a serial client
                    # that has its answer may send the next request on another connection while this thread is
                    # still returning from the handler
                    nonlocal answered
                    if not answered:
                        answered = True
                        with api.lock:
                            api.in_flight -= 1
                            times.append(time.monotonic())

                writer = self.wfile
                try:
                    time.sleep(pauses.uniform(0, max_pause) + (0.3 if slow and slow(self.command, self.path) else 0))
                    self.rfile = io.BytesIO(body)
                    self.wfile = _AnswerFirst(writer, answer)
                    super()._handle()
                finally:
                    self.rfile, self.wfile = original, writer
                    answer()

        self._server.RequestHandlerClass = Shuffled

    def _create(self, data: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            key = 1000 + zlib.crc32(json.dumps(data, sort_keys=True).encode()) % 10**9
            while key in self.items:
                key += 1
            record = {"id": key, "name": data["name"], "description": data.get("description"),
                      "created": EPOCH + (key % 10**6) * 60}
            self.items[key] = record
            return record


@pytest.fixture
def shuffled():
    started: list[ShuffledDemo] = []

    def start(profile: str, **kwargs: Any) -> ShuffledDemo:
        api = ShuffledDemo(profile, **kwargs).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


def verdicts(report: dict[str, Any]) -> dict[tuple[str, str], tuple]:
    """Every verdict of a JSON report: status, reason, how many violations and their messages."""
    out = {}
    for rule in report["rules"]:
        for operation, verdict in rule["operations"].items():
            out[(rule["id"], operation)] = (verdict["status"], verdict.get("reason", ""),
                                            verdict.get("violation_count", 0))
        out[(rule["id"], "violations")] = tuple((v["operation"], v["message"]) for v in rule["violations"])
    return out


def run_at(run_conformance, api: ShuffledDemo, concurrency: int, *args: str, examples: int = 5, seed: int = 13):
    outcome = run_conformance(api, f"--conformance-concurrency={concurrency}", *args, examples=examples, seed=seed)
    assert "Traceback" not in outcome.output(), outcome.output()
    return outcome


@pytest.mark.parametrize("profile", ["featbit", "connectnow"])
def test_the_same_seed_sends_the_same_requests_and_judges_the_same_at_concurrency_1_and_8(
        profile, shuffled, run_conformance):
    serial_api = shuffled(profile)
    serial = run_at(run_conformance, serial_api, 1)
    parallel_api = shuffled(profile)
    parallel = run_at(run_conformance, parallel_api, 8)

    assert serial_api.most_in_flight == 1
    assert 1 < parallel_api.most_in_flight <= 8  # it did run concurrently, within the bound
    sent_serial, sent_parallel = collections.Counter(serial_api.log), collections.Counter(parallel_api.log)
    assert sent_serial == sent_parallel, (sent_serial - sent_parallel, sent_parallel - sent_serial)
    assert serial.report["summary"]["requests"] == parallel.report["summary"]["requests"] == len(serial_api.log)
    assert verdicts(serial.report) == verdicts(parallel.report)
    assert serial.report["summary"]["reach"] == parallel.report["summary"]["reach"]
    assert serial.ret == parallel.ret == 0, parallel.output()


def test_the_same_verdicts_when_the_api_breaks_rules(shuffled, run_conformance):
    """A faulty API: the failures, their messages and their counts do not depend on the order of answers."""
    faults = {"cors.vary-origin", "errors.envelope", "schema.response-conformance", "auth.invalid-credentials"}
    serial_api = shuffled("featbit", faults=faults)
    serial = run_at(run_conformance, serial_api, 1)
    parallel_api = shuffled("featbit", faults=faults)
    parallel = run_at(run_conformance, parallel_api, 8)
    assert serial.failed >= {"cors.vary-origin", "errors.envelope", "auth.invalid-credentials"}, serial.failed
    assert verdicts(serial.report) == verdicts(parallel.report)
    assert collections.Counter(serial_api.log) == collections.Counter(parallel_api.log)


def test_operations_of_one_collection_run_one_after_the_other(shuffled, run_conformance):
    """The list (and its page walk) is done before the POSTs start creating items, as in a serial run: one
    operation's writes never change what another's reads see halfway, whatever the concurrency."""
    api = shuffled("connectnow", slow=lambda method, path: method == "GET" and path.startswith("/api/users?"))
    outcome = run_at(run_conformance, api, 8, examples=12)
    assert outcome.ret == 0, outcome.output()
    collection = api.collection
    lists = [n for n, (method, path, _, _) in enumerate(api.log) if method == "GET" and path.split("?")[0] == collection]
    posts = [n for n, (method, path, _, _) in enumerate(api.log) if method == "POST" and path == collection]
    pages = [n for n in lists if "page=" in api.log[n][1]]
    assert pages and posts
    last_answer = max(api.times[n][1] for n in lists)
    assert all(api.times[n][0] >= last_answer for n in posts), (lists, posts)
    assert api.most_in_flight > 1


def test_the_rate_cap_and_the_budget_hold_at_concurrency_8(shuffled, run_conformance):
    rate, budget = 20.0, 30
    api = shuffled("featbit", max_pause=0.05)
    arrived: list[float] = []
    base = api._server.RequestHandlerClass

    class Timed(base):  # type: ignore[misc, valid-type]
        def parse_request(self) -> bool:
            ok = super().parse_request()
            if ok:
                arrived.append(time.monotonic())
            return ok

    api._server.RequestHandlerClass = Timed
    outcome = run_at(run_conformance, api, 8, f"--conformance-max-rps={rate:g}",
                     f"--conformance-max-requests={budget}", examples=6)
    assert len(arrived) == budget == outcome.report["summary"]["requests"]
    gaps = [b - a for a, b in zip(arrived, arrived[1:])]
    assert arrived[-1] - arrived[0] >= 0.9 * (budget - 1) / rate, gaps
    assert sorted(gaps)[len(gaps) // 10] >= 0.6 / rate, gaps


def test_it_works_with_xdist(shuffled, run_conformance):
    """-n 2: each worker runs its own operations, with its share of the concurrency; the verdicts are those
    of a serial run."""
    serial = run_at(run_conformance, shuffled("featbit"), 1)
    api = shuffled("featbit")
    outcome = run_at(run_conformance, api, 8, "-n", "2", "--conformance-max-requests=400")
    assert outcome.ret == 0, outcome.output()
    assert 1 < api.most_in_flight <= 8
    assert len(api.log) <= 400 + 2  # the controller's own reachability check and spec are on top
    statuses = lambda report: {k: v[0] for k, v in verdicts(report).items() if k[1] != "violations"}  # noqa: E731
    assert statuses(outcome.report) == statuses(serial.report)


# -- the parts, with many threads at once ----------------------------------------------------------------

def _get(url: str, path: str):
    from conformance.models import Request

    return Request("GET", url + path, {"Authorization": "t"})


def test_each_watchdog_cuts_only_its_own_request(server):
    """Requests in flight at once on one transport: the ones whose server stalls are cut at their deadline;
    the others, on the same connection pool, come back whole."""
    from conformance.transport import Transport

    def behaviour(srv, request, conn):
        if request.path.startswith("/slow"):
            return servers.dribbles_headers(srv, request, conn, pause=0.2)
        time.sleep(0.05)
        return servers.good(srv, request, conn)

    srv = server(behaviour)
    transport = Transport(timeout=1, concurrency=8)
    paths = ["/slow", "/items"] * 4 + ["/items"] * 8
    results: dict[int, Any] = {}

    def send(number: int, path: str) -> None:
        results[number] = transport.send(_get(srv.url, path), kind="generated")

    started = time.monotonic()
    threads = [threading.Thread(target=send, args=(n, p)) for n, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 4
    for number, path in enumerate(paths):
        exchange = results[number]
        if path == "/slow":
            assert exchange.response is None and "within 1 s" in exchange.error, exchange.error
        else:
            assert exchange.response is not None and exchange.response.status == 200, exchange.error


def test_at_most_n_requests_in_flight_on_one_transport(server):
    from conformance.transport import Transport

    in_flight, most = [0], [0]
    lock = threading.Lock()

    def behaviour(srv, request, conn):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return servers.good(srv, request, conn)

    srv = server(behaviour)
    transport = Transport(timeout=5, concurrency=3)
    threads = [threading.Thread(target=transport.send, args=(_get(srv.url, "/items"),), kwargs={"kind": "generated"})
               for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(srv.log) == 12 and most[0] == 3


def test_the_budget_counts_exactly_with_many_threads():
    from conformance.transport import BudgetSpent, Policy

    policy = Policy(max_requests=50)
    admitted, refused = [], []

    def admit() -> None:
        for _ in range(10):
            try:
                policy.admit("GET")
                admitted.append(1)
            except BudgetSpent:
                refused.append(1)

    threads = [threading.Thread(target=admit) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(admitted), len(refused), policy.sent) == (50, 110, 50)


@pytest.fixture
def nested_runner():
    """A runner (as the plugin builds it) against the nested demo: projects, envs and flags, whose parent ids
    are found only by listing."""
    from conformance.run import load_catalog
    from conformance.engine import Runner
    from conformance.settings import resolve_settings
    from conformance.spec import load_spec
    from conformance.transport import Transport

    api = NestedDemoAPI("featbit").start()
    cli = {"url": api.url, "profile": "featbit", "token": "demo-token", "seed": 3}
    settings = resolve_settings(lambda key: cli.get(key), lambda key: None, Path("."), environ={})
    transport = Transport(timeout=5, concurrency=8)
    spec = load_spec(None, api.url, timeout=5, session=transport.session, base_dir=Path("."))
    runner = Runner(settings, load_catalog("featbit", relative_to=Path(".")), spec, transport)
    api.requests.clear()
    yield api, runner
    runner.close()
    api.stop()


def at_once(count: int, work) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def one(number: int) -> None:
        barrier.wait()
        results[number] = work(number)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_threads_resolving_the_same_parents_list_them_once(nested_runner):
    api, runner = nested_runner
    flags = next(op for op in runner.spec.operations if op.method == "GET" and op.path.endswith("/{key}"))
    values = at_once(8, lambda n: runner.resources.existing(flags))
    assert all(v == values[0] for v in values) and all(value.real for value in values[0].values())
    listings = collections.Counter(path for method, path in api.requests if method == "GET")
    assert listings and max(listings.values()) == 1, listings  # every collection listed once


def test_the_resource_writes_aim_at_is_created_once(nested_runner):
    from conformance.plan import Target

    api, runner = nested_runner
    patch = next(op for op in runner.spec.operations if op.method == "PATCH")
    values = at_once(8, lambda n: runner.resources.resolve(patch, Target.CREATED, method="PATCH"))
    assert all(v == values[0] for v in values) and values[0]["key"].source == "created"
    posts = [path for method, path in api.requests if method == "POST"]
    assert len(posts) == 1, api.requests


def test_each_delete_gets_a_fresh_resource_counted_in_plan_order(nested_runner):
    from conformance.plan import Target
    from conformance.resources.creation import MAX_CREATED_PER_COLLECTION

    api, runner = nested_runner
    delete = next(op for op in runner.spec.operations if op.method == "DELETE")
    count = MAX_CREATED_PER_COLLECTION + 3
    values = at_once(count, lambda n: runner.resources.resolve(delete, Target.CREATED, method="DELETE",
                                                               requester=("DELETE flag", "generated"), ordinal=n))
    for number, value in enumerate(values):  # the place in line decides, not which thread came first
        assert value["key"].source == ("created" if number < MAX_CREATED_PER_COLLECTION else "unknown"), number
    keys = [v["key"].value for v in values[:MAX_CREATED_PER_COLLECTION]]
    assert len(set(keys)) == MAX_CREATED_PER_COLLECTION
