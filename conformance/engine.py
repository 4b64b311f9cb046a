"""operations x rules -> probes and generated requests -> exchanges -> verdicts. No pytest here.

Every operation is exercised once (lazily, the first time a verdict about it is asked for): the
generated requests and every probe its rules need. Each rule then judges the exchanges it cares
about, so one request serves every rule that applies to it.
"""

from __future__ import annotations

import copy
import json
import queue
import random
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import quote

import hypothesis
import requests
from hypothesis import HealthCheck, Phase, given, settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response as StResponse

from .catalog import Catalog, Rule
from .credentials import Credentials
from .models import Exchange, NotApplicable, Request, Skip, Violation
from .probes import PROBES, unknown_value
from .redaction import Redactor
from .rules import CHECKS, IGNORE, Check
from .settings import Settings
from .spec import Operation, Spec
from .transport import BudgetSpent, Transport

# Generation for an operation stops when this many drawn cases in a row were requests already sent.
DUPLICATES_IN_A_ROW = 25
MAX_EVIDENCE = 5  # violations kept per (rule, operation); the count says how many there were


@dataclass
class Verdict:
    rule: Rule
    operation: str
    status: str  # passed | failed | skipped | not-applicable
    reason: str = ""
    violations: list[Violation] = field(default_factory=list)
    violation_count: int = 0
    judged: int = 0

    @property
    def critical(self) -> bool:
        return any(v.critical for v in self.violations)


class Context:
    """What a check sees: its rule (overrides applied), the operation, and the exchanges."""

    def __init__(self, rule: Rule, operation: Operation, runner: "Runner", run: "OperationRun | None" = None):
        self.rule = rule
        self.params = rule.params
        self.operation = operation
        self.catalog = runner.catalog
        self.settings = runner.settings
        self.run = run

    def probe(self, name: str) -> list[Exchange]:
        assert self.run is not None
        return [e for e in self.run.exchanges if e.kind == name]

    def validate_with_schemathesis(self, exchange: Exchange, checks: list[Any]) -> Any:
        case = exchange.case
        if case is None or exchange.response is None:
            return IGNORE
        response = StResponse(status_code=exchange.response.status, headers=exchange.response.headers,
                              content=exchange.response.body, request=exchange.meta["prepared"],
                              elapsed=exchange.response.elapsed, verify=True,
                              message=exchange.meta.get("reason", ""))
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            return "; ".join(_failure_text(f) for f in group.exceptions)
        except Failure as failure:
            return _failure_text(failure)
        return None


def _failure_text(failure: Failure) -> str:
    message = " ".join(line.strip() for line in (failure.message or "").splitlines()[:3] if line.strip())
    return f"{failure.title}: {message}" if message else str(failure.title)


# Headers schemathesis adds on its own; the catalog's request_headers and the transport's User-Agent speak instead.
GENERATOR_HEADERS = {"user-agent", "x-schemathesis-testcaseid", "accept", "accept-encoding", "connection"}


def case_kwargs(case: Any, base_url: str) -> dict[str, Any]:
    """requests-style keyword arguments for a generated case, free of the generator's own headers."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    kwargs = {k: copy.deepcopy(v) for k, v in kwargs.items() if k in ("method", "url", "headers", "params", "json", "data")}
    kwargs["headers"] = {k: v for k, v in (kwargs.get("headers") or {}).items()
                         if k.lower() not in GENERATOR_HEADERS or k.lower() in {h.lower() for h in case.headers or {}}}
    return kwargs


def request_key(kwargs: dict[str, Any]) -> str:
    """What makes two requests the same request (the generated case object aside)."""
    return json.dumps({k: v for k, v in kwargs.items() if not k.startswith("_")}, sort_keys=True, default=repr)


class _Enough(BaseException):
    """Ends a Hypothesis run early. A BaseException, so Hypothesis neither reports it nor replays the case."""


def draw_cases(operation: Operation, mode: GenerationMode, count: int, seed: int,
               keep: Callable[[Any], bool] | None = None) -> list[Any]:
    """Up to `count` cases drawn by schemathesis. With `keep`, only the cases it keeps are returned, and
    drawing stops once DUPLICATES_IN_A_ROW cases in a row were not kept (the space is used up)."""
    cases: list[Any] = []
    try:
        strategy = operation.api.as_strategy(generation_mode=mode)
    except Exception:
        return cases
    refused = 0

    @hypothesis_settings(max_examples=count, deadline=None, database=None, derandomize=False,
                         suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
                         print_blob=False, report_multiple_bugs=False)
    @given(case=strategy)
    def collect(case: Any) -> None:
        nonlocal refused
        if keep is None or keep(case):
            cases.append(case)
            refused = 0
            return
        refused += 1
        if refused >= DUPLICATES_IN_A_ROW:
            raise _Enough()

    try:
        hypothesis.seed(seed)(collect)()
    except (hypothesis.errors.Unsatisfiable, hypothesis.errors.FailedHealthCheck, _Enough):
        pass
    return cases


_DONE = object()  # the drawing thread has drawn all it will


class _Drawing:
    """The generated requests of one operation and mode, drawn in a background thread while the ones before
    are sent: drawing (CPU) overlaps waiting for the API's answers. What is drawn does not depend on the
    answers or their timing, so a seeded run sends the same requests in the same order however fast the API
    is. Leaving the block early (a spent budget, an error) stops the drawing."""

    AHEAD = 16  # cases drawn ahead of the sender at most

    def __init__(self, run: "OperationRun", mode: GenerationMode, count: int, seen: set[str]):
        self.run, self.mode, self.count, self.seen = run, mode, count, seen
        self.queue: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._produce, name="conformance-draw", daemon=True)

    def _keep(self, case: Any) -> bool:
        if self.stop.is_set():
            raise _Enough()
        kwargs = self.run._generated_kwargs(case)
        key = request_key(kwargs)
        if key in self.seen:
            return False
        self.seen.add(key)
        self.queue.put((case, kwargs))
        return True

    def _produce(self) -> None:
        try:
            self.run.runner.generate(self.run.operation, self.mode, self.count, self.mode.value, keep=self._keep)
            self.queue.put(_DONE)
        except BaseException as exc:  # handed to the sending thread, which raises it
            self.queue.put(exc)

    def __enter__(self) -> Iterator[tuple[Any, dict[str, Any]]]:
        self.thread.start()
        return self._items()

    def _items(self) -> Iterator[tuple[Any, dict[str, Any]]]:
        while True:
            item = self.queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        while self.thread.is_alive():  # unblock a producer waiting for room
            try:
                self.queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self.thread.join()


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SELF_CLEANING = ("crud", "create", "cleanup")  # the sequences delete what they create themselves


class OperationRun:
    """Everything sent for one operation, and what came back."""

    def __init__(self, runner: "Runner", operation: Operation):
        self.runner = runner
        self.operation = operation
        self.settings = runner.settings
        self.credentials = runner.credentials
        self.rng = random.Random(runner.seed_for(operation.label, "probes"))
        self.exchanges: list[Exchange] = []
        self.probe_skips: dict[str, str] = {}
        self.generation_skip: str | None = None
        self._sample: Any = None

    # -- building requests -------------------------------------------------------------------
    def new_origin(self) -> str:
        return f"https://app-{self.rng.getrandbits(32):08x}.conformance.test"

    def rules_using(self, probe: str) -> list[Rule]:
        return [rule for rule, check in self.runner.active(self.operation) if probe in check.probes]

    def sample_case(self) -> Any:
        if self._sample is None:
            cases = self.runner.generate(self.operation, GenerationMode.POSITIVE, 1, "sample")
            if not cases:
                raise Skip("no valid request could be generated from the spec")
            self._sample = cases[0]
        return self._sample

    def base_kwargs(self, path_parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        """The keyword arguments of a valid request to this operation, without credentials."""
        case = self.sample_case()
        overrides = dict(path_parameters or {})
        unknown_target = False
        item = self.operation.item_parameter()
        if item and item not in overrides:
            if self.operation.method in ("GET", "HEAD"):
                known = self.runner.known_id(self.operation)
                if known is not None:
                    overrides[item] = known
            else:  # probes never change a resource they did not create: writes aim at an unknown id
                overrides[item] = unknown_value(self.operation.path_parameter_schema(item))
                unknown_target = True
        kwargs = case_kwargs(case, self.settings.url)
        if overrides:
            kwargs["url"] = self.url_with({**(case.path_parameters or {}), **overrides})
        for channel in self.credentials.channels:  # the spec may declare the credential as a parameter
            if channel.location == "query":
                (kwargs.get("params") or {}).pop(channel.name, None)
            elif channel.location == "header":
                kwargs["headers"].pop(channel.name, None)
        kwargs["_case"] = case
        kwargs["_unknown_target"] = unknown_target
        return kwargs

    def url_with(self, values: dict[str, Any]) -> str:
        """The operation's URL with these path parameters."""
        path = self.operation.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        return self.settings.url + path

    def apply_credential(self, kwargs: dict[str, Any], *, avoid_body: bool = False) -> None:
        token = self.settings.token
        channel = self.credentials.primary(kwargs.get("method", self.operation.method), avoid_body=avoid_body)
        if token and channel is not None:
            channel.apply(kwargs, token)

    def authenticated_kwargs(self, **overrides: Any) -> dict[str, Any]:
        kwargs = self.base_kwargs(**overrides)
        self.apply_credential(kwargs)
        return kwargs

    def send(self, kwargs: dict[str, Any], kind: str, note: str, *, origin: bool = True,
             foreign: bool = False) -> Exchange:
        case = kwargs.pop("_case", None)
        unknown_target = kwargs.pop("_unknown_target", False)
        headers = {**self.runner.catalog.request_headers, **(kwargs.pop("headers", None) or {})}
        if origin and self.runner.uses_cors and "Origin" not in headers:
            headers["Origin"] = self.new_origin()
        prepared = requests.Request(kwargs["method"].upper(), kwargs["url"], headers=headers,
                                     params=kwargs.get("params"), json=kwargs.get("json"),
                                     data=kwargs.get("data")).prepare()
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        request = Request(prepared.method, prepared.url, dict(prepared.headers), body)
        throttled: list[Exchange] = []
        exchange = self.runner.transport.send(request, kind=kind, note=note, case=None if foreign else case,
                                              meta={"foreign": foreign, "unknown_target": unknown_target}, throttled=throttled)
        for early in throttled:
            early.kind = "throttled"
        self.exchanges.extend(throttled)
        self.exchanges.append(exchange)
        self.runner.harvest_ids(self.operation, exchange)
        if not foreign and kind not in SELF_CLEANING:
            self._clean_up_created(exchange)
        return exchange

    # -- running -------------------------------------------------------------------------------
    def execute(self) -> None:
        self._send_generated()
        needed: list[str] = []
        for _, check in self.runner.active(self.operation):
            needed += [p for p in check.probes if p not in needed]
        for name in needed:
            if name == "rate-limit" and not self.settings.rate_limit_probe:
                self.probe_skips[name] = "the rate-limit probe is off (opt in with --conformance-rate-limit-probe=N)"
                continue
            try:
                PROBES[name](self)
            except Skip as skip:
                self.probe_skips[name] = str(skip)

    def _send_generated(self) -> None:
        if self.settings.read_only and self.operation.method in ("POST", "PUT", "PATCH", "DELETE"):
            self.generation_skip = "generated writes are off under --conformance-read-only"
            return
        n = self.settings.max_examples
        plans = [(GenerationMode.POSITIVE, n), (GenerationMode.NEGATIVE, max(1, n // 2))]
        seen: set[str] = set()  # the same request is sent once, whichever mode produced it
        for mode, count in plans:
            with _Drawing(self, mode, count, seen) as drawn:
                for case, kwargs in drawn:
                    if self._sample is None and mode == GenerationMode.POSITIVE:
                        self._sample = case
                    try:
                        self.send(kwargs, "generated", f"generated ({mode.value})")
                    except BudgetSpent as spent:
                        self.generation_skip = str(spent)
                        return

    def _generated_kwargs(self, case: Any) -> dict[str, Any]:
        kwargs = case_kwargs(case, self.settings.url)
        item = self.operation.item_parameter()
        if item and self.operation.method in WRITE_METHODS:
            # Never change or delete a resource the suite did not create: aim at an unknown id.
            unknown = unknown_value(self.operation.path_parameter_schema(item))
            kwargs["url"] = self.url_with({**(case.path_parameters or {}), item: unknown})
            kwargs["_unknown_target"] = True
        self.apply_credential(kwargs)
        kwargs["_case"] = case
        return kwargs

    def _clean_up_created(self, exchange: Exchange) -> None:
        """A POST (generated or a probe) that created a resource: delete it again where the API lets us."""
        from .sequences import created_id

        response = exchange.response
        if self.operation.method != "POST" or response is None or not 200 <= response.status < 300:
            return
        deleter = next((op for op in self.runner.spec.operations
                        if op.method == "DELETE" and op.collection_path == self.operation.path), None)
        ident = created_id(exchange, deleter.item_parameter() if deleter else None)
        if deleter is None or ident is None:
            return
        self.runner.forget_id(self.operation.path, ident)
        cleaner = OperationRun(self.runner, deleter)
        kwargs = {"method": "DELETE", "url": cleaner.url_with({deleter.item_parameter(): ident}),
                  "headers": {}}
        cleaner.apply_credential(kwargs)
        try:
            self.exchanges.append(cleaner.send(kwargs, "cleanup", "deleting what the suite created",
                                               origin=False, foreign=True))
        except Skip:
            pass


class Runner:
    def __init__(self, settings: Settings, catalog: Catalog, spec: Spec, transport: Transport):
        self.settings = settings
        self.catalog = catalog
        self.spec = spec
        self.transport = transport
        self.credentials = Credentials.from_catalog(catalog.auth)
        self.redactor = Redactor(settings.secrets, self.credentials.names())
        self.uses_cors = any(rule.category == "cors" for rule in catalog.rules)
        self.runs: dict[str, OperationRun] = {}
        self._known_ids: dict[str, list[Any]] = {}
        self._active: dict[str, list[tuple[Rule, Check]]] = {}
        self._applicability: dict[tuple[str, str], tuple[Rule | None, str]] = {}

    def seed_for(self, label: str, purpose: str) -> int:
        return (self.settings.seed * 1_000_003 + zlib.crc32(f"{label}|{purpose}".encode())) % (2**32)

    # -- planning --------------------------------------------------------------------------------
    def applicability(self, rule: Rule, operation: Operation) -> tuple[Rule | None, str]:
        """The rule as it stands for the operation, or None and why it does not apply (computed once)."""
        key = (rule.id, operation.label)
        if key not in self._applicability:
            self._applicability[key] = self._applicability_of(rule, operation)
        return self._applicability[key]

    def _applicability_of(self, rule: Rule, operation: Operation) -> tuple[Rule | None, str]:
        resolved = rule.for_operation(operation.method, operation.path)
        if resolved is None:
            return None, "switched off for this operation by the catalog"
        check = CHECKS[resolved.check]
        if check.applies is not None:
            reason = check.applies(Context(resolved, operation, self))
            if reason:
                return None, reason
        return resolved, ""

    def active(self, operation: Operation) -> list[tuple[Rule, Check]]:
        if operation.label not in self._active:
            pairs = []
            for rule in self.catalog.rules:
                resolved, _ = self.applicability(rule, operation)
                if resolved is not None:
                    pairs.append((resolved, CHECKS[resolved.check]))
            self._active[operation.label] = pairs
        return self._active[operation.label]

    # -- generation ------------------------------------------------------------------------------
    def generate(self, operation: Operation, mode: GenerationMode, count: int, purpose: str,
                 keep: Callable[[Any], bool] | None = None) -> list[Any]:
        return draw_cases(operation, mode, count, self.seed_for(operation.label, purpose), keep)

    # -- known resources -------------------------------------------------------------------------
    def harvest_ids(self, operation: Operation, exchange: Exchange) -> None:
        response = exchange.response
        if response is None or not 200 <= response.status < 300:
            return
        if exchange.meta.get("foreign") and exchange.kind != "discovery":
            return
        collection = operation.path if operation.collection_path is None else None
        if collection is None:
            return
        body = response.json_or_none()
        items = body if isinstance(body, list) else (body.get("data") if isinstance(body, dict) else None)
        if isinstance(body, dict) and "id" in body:
            items = [body]
        elif isinstance(body, dict) and isinstance(body.get("data"), dict):
            items = [body["data"]]
        if not isinstance(items, list):
            return
        ids = self._known_ids.setdefault(collection, [])
        for item in items:
            if isinstance(item, dict) and item.get("id") is not None and item["id"] not in ids:
                ids.append(item["id"])

    def forget_id(self, collection: str, ident: Any) -> None:
        """A deleted resource is not offered to later probes as one that exists."""
        known = self._known_ids.get(collection)
        if known and ident in known:
            known.remove(ident)

    def known_id(self, operation: Operation) -> Any:
        collection = operation.collection_path
        if collection is None:
            return None
        if not self._known_ids.get(collection):
            self._discover(collection)
        ids = self._known_ids.get(collection) or []
        return ids[0] if ids else None

    def _discover(self, collection: str) -> None:
        """GET the collection once to learn the id of a resource that exists."""
        self._known_ids.setdefault(collection, [])
        lister = next((op for op in self.spec.operations if op.method == "GET" and op.path == collection), None)
        if lister is None:
            return
        run = OperationRun(self, lister)
        try:
            kwargs = run.authenticated_kwargs()
            kwargs.pop("params", None)
            run.send(kwargs, "discovery", "listing the collection to find a resource", origin=False, foreign=True)
        except Skip:
            pass

    # -- verdicts --------------------------------------------------------------------------------
    def run(self, operation: Operation) -> OperationRun:
        if operation.label not in self.runs:
            run = OperationRun(self, operation)
            self.runs[operation.label] = run
            run.execute()
        return self.runs[operation.label]

    def verdict(self, rule: Rule, operation: Operation) -> Verdict:
        resolved, reason = self.applicability(rule, operation)
        if resolved is None:
            return Verdict(rule, operation.label, "not-applicable", reason)
        check = CHECKS[resolved.check]
        try:
            if check.kind == "static":
                violations = [_as_violation(v, None) for v in check.judge(Context(resolved, operation, self))]
                return _finish(resolved, operation, violations, judged=1)
            run = self.run(operation)
            ctx = Context(resolved, operation, self, run)
            if check.kind == "operation":
                for name in check.probes:
                    if name in run.probe_skips:
                        raise Skip(run.probe_skips[name])
                violations = [_as_violation(v, None) for v in check.judge(ctx)]
                return _finish(resolved, operation, violations, judged=1)
            return self._judge_exchanges(resolved, check, ctx, run)
        except Skip as skip:
            return Verdict(resolved, operation.label, "skipped", str(skip))
        except NotApplicable as na:
            return Verdict(resolved, operation.label, "not-applicable", str(na))

    def _judge_exchanges(self, rule: Rule, check: Check, ctx: Context, run: OperationRun) -> Verdict:
        if check.only_probes is not None:
            exchanges = [e for e in run.exchanges if e.kind in check.only_probes]
            if not exchanges:
                reasons = [run.probe_skips[p] for p in check.only_probes if p in run.probe_skips]
                raise Skip(reasons[0] if reasons else "the probe sent no request")
        else:
            exchanges = [e for e in run.exchanges if not e.meta.get("foreign")]
        violations: list[Violation] = []
        judged = 0
        for exchange in exchanges:
            if exchange.response is None:
                judged += 1
                violations.append(Violation(f"No response to {exchange.request.method} "
                                            f"{self.redactor.url(exchange.request.url)}: {exchange.error}.", exchange))
                continue
            if exchange.response.status == 429 and rule.category != "rate-limit":
                continue  # a throttled answer says nothing about other rules
            outcome = check.judge(ctx, exchange)
            if outcome is IGNORE:
                continue
            judged += 1
            if outcome:
                violations.append(_as_violation(outcome, exchange))
        if judged == 0:
            why = run.generation_skip or f"none of the {len(exchanges)} responses was one this rule judges"
            raise Skip(why)
        return _finish(rule, ctx.operation, violations, judged)


def _as_violation(outcome: Any, exchange: Exchange | None) -> Violation:
    if isinstance(outcome, Violation):
        if outcome.exchange is None:
            outcome.exchange = exchange
        return outcome
    return Violation(str(outcome), exchange)


def _finish(rule: Rule, operation: Operation, violations: list[Violation], judged: int) -> Verdict:
    if not violations:
        return Verdict(rule, operation.label, "passed", judged=judged)
    # Keep distinct messages, critical ones first.
    distinct: dict[str, Violation] = {}
    for violation in sorted(violations, key=lambda v: not v.critical):
        distinct.setdefault(violation.message, violation)
    kept = list(distinct.values())[:MAX_EVIDENCE]
    return Verdict(rule, operation.label, "failed", violations=kept, violation_count=len(violations), judged=judged)
