"""operations x rules -> requests -> exchanges -> verdicts. No pytest here.

Every operation is exercised once: its generated requests and every probe its rules need. Each rule then
judges the exchanges it cares about, so one request serves every rule that applies to it. Requests are stated
as plans (plan.py), built once (builder.py) aimed at real resources (resources.py), and sent under one policy
(transport.py). When the first verdict is asked for, every operation this process judges is run ahead,
concurrently (schedule.py); a verdict waits until every request that could reach its operation is answered.
"""

from __future__ import annotations

import json
import random
import threading
import zlib
from types import MappingProxyType
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable
from urllib.parse import quote, urlencode

from schemathesis import GenerationMode

from .builder import Builder, foreign_write_hint
from .catalog import Catalog, Rule
from .credentials import CredentialCheck, Credentials
from .evidence import Evidence
from .exercise import OperationRun, request_key
from .generation import _Enough, draw_cases
from .judge import Context, judge
from .models import Exchange, PathValue, Skip, UnusableDefinition, Verdict
from .plan import NO_BODY, Credential, RequestPlan, Target
from .probes import OPT_IN, natural_target
from .sequences import STATEFUL_PROBES  # noqa: F401  (importing it registers the stateful probes in PROBES)
from .reach import Reach, answers_hint
from .redaction import Redactor
from .resources import (Resources, acts_on_its_parent, created_id, identifiers, parse_given, path_parameters,
                        resource_names, sent_json, write_lane)
from .rules import CHECKS, Check
from .schedule import Conductor, families
from .settings import Settings
from .spec import Operation, Spec, norm
from .transport import Transport

MAX_QUERY = 4096  # longest generated query and path values sent (servers commonly cap the request line at 8 KiB)
SHOWN_URL = 300  # characters of a URL a message shows
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _credential_check(operation: Operation, kind: str, channel: Any) -> RequestPlan:
    """A set-up GET with one credential (``valid`` or ``forbidden``), sent one way: judged by no rule."""
    what = "the valid credential" if kind == "valid" else "the credential without permission"
    return RequestPlan(operation, "credential-check", f"{what} {channel.describe()}", credential=Credential(kind, channel),
                       body=NO_BODY, sample_query="required", origin=False, judged=False)


class Runner:
    def __init__(self, settings: Settings, catalog: Catalog, spec: Spec, transport: Transport):
        self.settings = settings
        self.catalog = catalog
        self.spec = spec
        self.transport = transport
        self.credentials = Credentials.from_catalog(catalog.auth)
        self.redactor = Redactor(settings.secrets, self.credentials.names())
        given = parse_given(list(catalog.parameters), f"the catalog {catalog.origin}") + tuple(settings.params)
        self.resources = Resources(spec, given, read_only=settings.read_only, writable=tuple(settings.writable))
        self.builder = Builder(settings.url, self.credentials, self.resources, token=settings.token,
                               forbidden_token=settings.forbidden_token, request_headers=dict(catalog.request_headers),
                               uses_cors=any(CHECKS[rule.check].reads_origin for rule in catalog.rules),
                               writable=tuple(settings.writable))
        self.setup_exchanges: list[Exchange] = []  # discovery, creation, the credential check, clean-up
        self.resources.sender = self.send_setup
        self.reach = Reach()
        self.conductor = Conductor(self, transport.concurrency)
        self.expected: list[Operation] | None = None  # the operations this process will judge, in order
        self._unusable_told: set[str] = set()  # operations whose unusable definition a verdict reported
        self._families = families(op.path for op in spec.operations)
        self._prepared: set[str] = set()
        self._credential: CredentialCheck | None = None
        self.forbidden_check = CredentialCheck("unchecked")
        self._credential_lock = threading.Lock()
        self._probe_cases: dict[tuple[str, str], Any] = {}
        self._case_lock = threading.Lock()
        self._evidence: dict[str, Evidence] = {}
        self._active: dict[str, list[tuple[Rule, Check]]] = {}
        self._applicability: dict[tuple[str, str], tuple[Rule | None, str]] = {}

    def seed_for(self, label: str, purpose: str) -> int:
        return (self.settings.seed * 1_000_003 + zlib.crc32(f"{label}|{purpose}".encode())) % (2**32)

    @property
    def runs(self) -> dict[str, OperationRun]:
        return {label: op.run for label, op in self.conductor.ops.items()}

    # -- sending ---------------------------------------------------------------------------------------
    def send_plan(self, plan: RequestPlan, rng: random.Random, *, judged_label: str, requester: tuple,
                  ordinal: int | None = None) -> tuple[Exchange, list[Exchange]]:
        """Build the plan into its request, send it, and learn from the answer. Returns the exchange and the
        429 answers waited out before it."""
        built = self.builder.build(plan, rng, self.seed_for(plan.operation.label, "positive"), requester=requester,
                                   ordinal=ordinal)
        throttled: list[Exchange] = []
        exchange = self.transport.send(built.request, prepared=built.prepared, kind=plan.kind, note=plan.note,
                                       throttled=throttled, retry_429=plan.retry_429)
        own_method = plan.http_method == plan.operation.method
        for sent in (*throttled, exchange):
            sent.operation = plan.operation.label if own_method else ""
            sent.judged = plan.judged and plan.operation.label == judged_label
            sent.target = plan.target.value
            sent.values = built.values
            sent.credential = plan.credential.kind
            sent.channel = built.channel
            if sent.judged and own_method:  # the schema rules validate every answer of the operation itself
                sent.case = plan.case if plan.case is not None else self.probe_case(plan.operation, built.values)
        for early in throttled:
            early.kind = "throttled"
        self.learn(plan, exchange, built.query)
        return exchange, throttled

    def probe_case(self, operation: Operation, values: dict[str, PathValue]) -> Any:
        """A schemathesis Case of the operation with the path values a probe sent, for validating its answer
        against the spec (schemathesis renders a failure's curl command from the case's path parameters)."""
        path = {name: value.value for name, value in values.items() if value.value is not None and value.place == "path"}
        key = (operation.label, json.dumps(path, sort_keys=True, default=str))
        with self._case_lock:
            if key not in self._probe_cases:
                self._probe_cases[key] = operation.api.Case(path_parameters=path)
            return self._probe_cases[key]

    def send_setup(self, plan: RequestPlan) -> Exchange:
        """A set-up request (discovery, creation, the credential check, clean-up): judged by no rule. Its random
        choices come from the plan itself (its salt), not from the order set-up requests happen in."""
        rng = random.Random(self.seed_for(plan.operation.label, f"setup|{plan.kind}|{plan.note}|{plan.salt}"))
        exchange, throttled = self.send_plan(plan, rng, judged_label="", requester=("setup",))
        self.setup_exchanges.extend([*throttled, exchange])
        return exchange

    # -- the schedule (schedule.Conductor calls these) ---------------------------------------------------
    def expect(self, operations: list[Operation]) -> None:
        """The operations this process will judge, in the order it will judge them: they are run ahead,
        concurrently, when the first verdict is asked for."""
        self.expected = list(operations)

    def family(self, operation: Operation) -> str:
        return self._families.get(operation.path, operation.path)

    def new_run(self, operation: Operation) -> OperationRun:
        return OperationRun(self, operation)

    def would_run(self, operation: Operation) -> bool:
        """Will any verdict about the operation need its requests? (Static rules need none. A refused credential
        does not stop it: the answers still prove what holds whatever the credential.)"""
        return any(check.kind != "static" for _, check in self.active(operation))

    def prepare(self, operation: Operation) -> None:
        """Resolve the path values of the operation's family (what its requests and its neighbours' sequences
        aim at) before any request under test goes out, so they do not depend on timing."""
        for member in self.spec.operations:
            if self.family(member) != self.family(operation) or member.label in self._prepared:
                continue
            self._prepared.add(member.label)
            names = resource_names(member)
            if not names:
                continue
            collection = not member.path.rstrip("/").endswith("}")
            if natural_target(member) is Target.EXISTING or (member.method == "POST" and collection):
                self.resources.existing(member)
            else:
                self.resources.existing(member, len(names) - 1)  # a write's parents; the resource is its own

    def draw(self, run: OperationRun, submit: Callable[..., None]) -> None:
        """Draw the operation's generated requests and hand each to ``submit`` as a task as soon as it is drawn;
        its probes go as soon as the first valid request is drawn (they use it as their valid request)."""
        operation = run.operation
        probes_sent = False

        def send_probes() -> None:
            nonlocal probes_sent
            probes_sent = True
            for number, name in enumerate(run.probes_needed()):
                if name in OPT_IN and not getattr(self.settings, OPT_IN[name][0]):
                    run.probe_skips[name] = f"the {name} probe is off (opt in with {OPT_IN[name][1]})"
                    continue
                submit(run.probe(number, name))

        if not self.transport.policy.allows(operation.method):
            run.skip_generation("generated writes are off under --conformance-read-only")
            send_probes()
            return
        n = self.settings.max_examples
        # The suite chooses the path values itself: an operation whose requests vary in nothing else has one
        # valid request to send (its invalid ones still break the path parameters).
        plans = [(GenerationMode.POSITIVE, n if operation.varies_beyond_path else 1)]
        if operation.can_be_invalid:
            plans.append((GenerationMode.NEGATIVE, max(1, n // 2)))
        seen: set[str] = set()  # the same request is sent once, whichever mode produced it
        number = 0
        for mode, count in plans:
            def keep(case: Any, mode: GenerationMode = mode) -> bool:
                nonlocal number
                if self.conductor.stopping.is_set() or self.transport.policy.budget_spent:
                    raise _Enough()
                parts = self.builder.parts(case)
                path = sum(len(quote(str(v), safe="")) for v in parts.path.values()) if parts.path_is_invalid else 0
                if len(urlencode(parts.query, doseq=True)) + path > MAX_QUERY:
                    return False  # a URL no client sends, which servers refuse before reading it (431, 414)
                key = request_key(parts)
                if key in seen:
                    return False
                seen.add(key)
                first = mode == GenerationMode.POSITIVE and not probes_sent
                if first:
                    self.builder.set_sample(operation, case)
                submit(run.generated(number, case, mode), bounded=True, lane=write_lane(number))
                number += 1
                if first:
                    send_probes()
                return True
            self.generate(operation, mode, count, mode.value, keep=keep)
        if not probes_sent:
            send_probes()

    # -- planning --------------------------------------------------------------------------------
    def applicability(self, rule: Rule, operation: Operation) -> tuple[Rule | None, str]:
        """The rule as it stands for the operation, or None and why it does not apply (computed once)."""
        key = (rule.id, operation.label)
        if key not in self._applicability:
            self._applicability[key] = self._applicability_of(rule, operation)
        return self._applicability[key]

    def _applicability_of(self, rule: Rule, operation: Operation) -> tuple[Rule | None, str]:
        if not rule.applies_to.matches(operation.method, operation.path):
            return None, f"the rule applies to {rule.applies_to.describe()} only"
        resolved = rule.for_operation(operation.method, operation.path)
        if resolved is None:
            return None, "switched off for this operation by the catalog"
        check = CHECKS[resolved.check]
        if check.applies is not None:
            reason = check.applies(self.context(resolved, operation))
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

    # -- what every answer teaches ---------------------------------------------------------------
    def learn(self, plan: RequestPlan, exchange: Exchange, query: dict[str, Any]) -> None:
        """Reach, the ids an answer lists, resources a DELETE removed or a write renamed, and resources a write
        created (the suite deletes them again at the end)."""
        self.reach.record(plan, exchange)
        method = plan.http_method
        if method == plan.operation.method:
            self.resources.observe(plan.operation, exchange, query)
        if method == "DELETE" and exchange.response is not None and (exchange.ok or exchange.response.status == 404):
            self.resources.consumed(exchange.values)
        elif method in ("PUT", "PATCH") and plan.kind != "cleanup":
            self.resources.renamed(plan.operation, exchange)
        if not exchange.ok or plan.kind in ("create", "crud", "cleanup", "discovery"):
            return
        if method == "POST" or (method in ("PUT", "PATCH") and plan.target is Target.UNKNOWN
                                and exchange.response.status == 201):
            self._adopt(plan, exchange)

    def _adopt(self, plan: RequestPlan, exchange: Exchange) -> None:
        """A write that created a resource: delete it again at the end of the run, where the API lets us."""
        path = plan.operation.path
        if plan.http_method == "POST":
            deleter = next((op for op in self.spec.operations if op.method == "DELETE" and (
                op.collection_path == norm(path) or (norm(op.path) == norm(path) and identifiers(op)))), None)
            if deleter is None:
                return
            names = resource_names(deleter)[len(path_parameters(path)):]
            found = created_id(exchange, names, sent_json(exchange))
            if len(found) < len(names):
                return
            values = {**exchange.values, **{n: PathValue(v, "created", plan.operation.label) for n, v in found.items()}}
            self.resources.adopt(path, values, plan.operation.label, deleter)
            return
        deleter = next((op for op in self.spec.operations if op.method == "DELETE" and op.path == path), None)
        if deleter is not None:
            self.resources.adopt(plan.operation.collection_path or path, dict(exchange.values), plan.operation.label,
                                 deleter)

    def close(self) -> None:
        """Stop sending what is left, then delete what the suite created and still exists, children before
        parents (the deepest paths first; each depth at once). A DELETE that failed (no answer, a 5xx: PowerDNS
        answers 500 to deletes that come at once) is sent again, one at a time, twice at most."""
        self.conductor.stop()
        by_depth: dict[int, list[RequestPlan]] = {}
        for plan in self.resources.cleanup_plans():
            by_depth.setdefault(-len(path_parameters(plan.operation.path)), []).append(plan)
        for depth in sorted(by_depth):
            wave = by_depth[depth]
            with ThreadPoolExecutor(min(len(wave), self.transport.concurrency),
                                    thread_name_prefix="conformance-cleanup") as pool:
                failed = [plan for plan, done in zip(wave, pool.map(self._cleanup, wave)) if not done]
            for _ in range(2):
                failed = [plan for plan in failed if not self._cleanup(plan)]

    def _cleanup(self, plan: RequestPlan) -> bool:
        """Delete one resource the suite created: False when it should be tried again."""
        try:
            exchange = self.send_setup(plan)
        except Skip:
            return True
        return exchange.response is not None and exchange.response.status < 500

    # -- the credential, checked first ------------------------------------------------------------
    def protected(self, operation: Operation) -> bool:
        """Protected by the profile's promise or by the spec (behaviour is judged by the auth rules)."""
        return self.catalog.auth.get("protects") == "all" or operation.protected

    @property
    def credential_status(self) -> CredentialCheck:
        """The check's result so far, without sending it (not checked: no rule needed it)."""
        return self._credential or CredentialCheck("unchecked", reason="no rule that needs the credential ran")

    def check_credential(self) -> CredentialCheck:
        """Send the valid credential, each way the profile says it travels for GET, to a protected GET that can
        be reached. Refused every way (401 or 403) means the run cannot judge what needs it."""
        with self._credential_lock, self.resources.learning():  # sent before anything else: what it lists counts
            return self._check_credential()

    def _check_credential(self) -> CredentialCheck:
        if self._credential is not None:
            return self._credential
        self._credential = CredentialCheck("unchecked", reason="no protected GET operation answered the check")
        channels = self.credentials.for_method("GET")
        if not self.settings.token or not channels:
            self._credential.reason = "no credential was given" if not self.settings.token else "no channel for GET"
            return self._credential
        candidates = sorted((op for op in self.spec.operations if op.method == "GET" and self.protected(op)),
                            key=lambda op: (len(path_parameters(op.path)), len(op.path)))
        for operation in candidates[:3]:
            refusals = []
            for channel in channels:
                try:
                    exchange = self.send_setup(_credential_check(operation, "valid", channel))
                except Skip:
                    return self._credential
                if exchange.ok:
                    self._credential = CredentialCheck("accepted", operation.label, exchange.response.status,
                                                       channel.describe())
                    self._check_forbidden(operation, channel)
                    return self._credential
                status = exchange.response.status if exchange.response is not None else None
                hidden = status == 403 and (exchange.invented or exchange.target == "unknown")
                if status not in (401, 403) or exchange.unreached or hidden:
                    break  # this operation tells nothing about the credential (a 403 may hide what does not exist)
                refusals.append((exchange, channel))
            if refusals and len(refusals) == len(channels):
                exchange, channel = refusals[0]
                self._credential = CredentialCheck("refused", operation.label, exchange.response.status,
                                                   channel.describe())
                return self._credential
        return self._credential

    def _check_forbidden(self, operation: Operation, channel: Any) -> None:
        """The credential without permission, where the valid one was accepted: a 401 there means it is not
        valid at all, or the API answers every valid credential without permission with 401. Either way it is
        one finding (auth.forbidden-credentials on this operation), not one per operation."""
        if not self.settings.forbidden_token:
            return
        try:
            exchange = self.send_setup(_credential_check(operation, "forbidden", channel))
        except Skip:
            return
        if exchange.response is not None and exchange.response.status == 401:
            self.forbidden_check = CredentialCheck("refused", operation.label, 401, channel.describe())

    # -- verdicts --------------------------------------------------------------------------------
    def run(self, operation: Operation) -> OperationRun:
        """The operation's run, once every request that could reach it has been answered. The first call
        starts the whole schedule: every expected operation, run ahead concurrently."""
        if not self.conductor.started:
            self.check_credential()  # before anything else is sent
            planned = self.expected if self.expected is not None else [operation]
            self.conductor.start([op for op in planned if self.would_run(op)])
        run = self.conductor.run_of(operation)
        unusable = run.unusable
        if unusable is not None:
            # a finding about the spec: reported by the operation's first verdict (verdicts are asked for one
            # at a time, and an operation's all in one process), the others skip
            first = operation.label not in self._unusable_told
            self._unusable_told.add(operation.label)
            if first:
                raise UnusableDefinition(f"This operation cannot be tested: its definition in the spec cannot be "
                                         f"used to draw requests ({unusable}). Fix the definition in the spec; "
                                         "the operation's other rules are skipped.")
            raise Skip(f"not judged: the operation's definition in the spec cannot be used to draw requests "
                       f"({unusable})")
        run.raise_error()
        return run

    def evidence(self, run: OperationRun) -> Evidence:
        """The operation's run, frozen as the evidence its verdicts read (built once, when its first verdict is
        asked for: every request that could reach it has been answered)."""
        label = run.operation.label
        with self._case_lock:
            if label in self._evidence:
                return self._evidence[label]
        reach = self.reach.by_operation.get(label)
        evidence = Evidence(label, tuple(run.exchanges), MappingProxyType(dict(run.results)),
                            MappingProxyType(dict(run.probe_skips)), run.generation_skip, self.reach.reached(label),
                            self.reach.path_reached(run.operation.path),
                            MappingProxyType(dict(reach.values) if reach is not None else {}),
                            self.credential_status, self.forbidden_check, self.hint(run.operation))
        with self._case_lock:
            return self._evidence.setdefault(label, evidence)

    def context(self, rule: Rule, operation: Operation, evidence: Evidence | None = None) -> Context:
        return Context(rule, operation, self.catalog, self.settings, self.credentials, evidence, self.shown_url)

    def verdict(self, rule: Rule, operation: Operation) -> Verdict:
        resolved, reason = self.applicability(rule, operation)
        if resolved is None:
            return Verdict(rule, operation.label, "not-applicable", reason)
        check = CHECKS[resolved.check]
        if check.kind == "static":
            return judge(check, self.context(resolved, operation))
        try:
            self.check_credential()
            run = self.run(operation)
        except Skip as skip:
            return Verdict(resolved, operation.label, "skipped", str(skip))
        return judge(check, self.context(resolved, operation, self.evidence(run)))

    def shown_url(self, url: str) -> str:
        """A URL as a message shows it: redacted, and cut short past SHOWN_URL characters (some invalid requests
        carry a query of hundreds of kilobytes; the reports keep the request whole)."""
        shown = self.redactor.url(url)
        if len(shown) <= SHOWN_URL:
            return shown
        return f"{shown[:SHOWN_URL]}... ({len(shown) // 1024} KB in all)"

    # -- reach -------------------------------------------------------------------------------------
    def hint(self, operation: Operation) -> str:
        """For an operation never reached: which parameter, and what would fix it."""
        reach = self.reach.by_operation.get(operation.label)
        if reach is not None and reach.reached:
            return ""
        values, credential = reach.values if reach is not None else {}, self.credential_status
        if credential.refused and self.protected(operation):  # (a reached operation has no hint: returned above)
            return f"{credential.describe()}: check --conformance-token (or CONFORMANCE_TOKEN) and how it travels"
        hints = []
        places = {name: place for place, name in identifiers(operation)}
        names = resource_names(operation)
        writes = not self.resources.read_only and (operation.method in ("PUT", "PATCH", "DELETE") or (
            operation.method == "POST" and (operation.collection_path or acts_on_its_parent(operation))))
        for name in names:
            value = values.get(name)
            if value is None or not value.real:
                why = self.resources.why(operation.path, name) or (value.detail if value is not None else "")
                where = f"{places[name]}:" if name in places else ""
                hints.append(f"no {name} the suite created to write to ({why}), and it writes only to what it created: "
                             f"let it write to one of yours with --conformance-writable={operation.path} and "
                             f"--conformance-param {where}{name}=VALUE" if writes and name == names[-1] else
                             f"no {name} known to exist ({why}): give one with --conformance-param {where}{name}=VALUE")
        if hints:
            return "; ".join(hints)
        return foreign_write_hint(operation, self.builder.writable) or answers_hint(operation, reach)

    def reach_report(self) -> dict[str, Any]:
        """Per operation: reached or not, the path values and their sources, and a hint where unreached."""
        out: dict[str, Any] = {}
        for operation in self.spec.operations:
            reach = self.reach.by_operation.get(operation.label)
            op = self.conductor.ops.get(operation.label)
            unusable = op.run.unusable if op is not None else None
            refused = foreign_write_hint(operation, self.builder.writable) if op is not None else ""
            if reach is None and (unusable is not None or refused):
                out[operation.label] = {"reached": False, "statuses": {}, "values": [], "hint": refused or
                                        f"its definition in the spec cannot be used to draw requests ({unusable})"}
                continue
            if reach is None:
                continue
            out[operation.label] = {
                "reached": reach.reached,
                "statuses": {str(k): v for k, v in sorted(reach.statuses.items())},
                "values": [{"parameter": name, "place": value.place, "value": self.redactor.text(str(value.value)),
                            "source": value.source, "how": value.describe()} for name, value in reach.values.items()],
                "hint": self.redactor.text(self.hint(operation)),
            }
        return out


__all__ = ["OperationRun", "Runner"]
