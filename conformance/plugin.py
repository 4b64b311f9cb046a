"""pytest glue only: options, collection, items, the terminal summary and writing reports.

Without --conformance-url (or CONFORMANCE_URL / conformance_url) this plugin does nothing.
"""

from __future__ import annotations

import json
import traceback
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .errors import ConformanceError
from .models import UnusableDefinition
from .settings import OPTIONS, Settings, resolve_settings

if TYPE_CHECKING:  # the engine (schemathesis, Hypothesis) is imported only when a run is asked for
    from .baseline import Baseline
    from .catalog import Catalog, Rule
    from .engine import Runner
    from .models import Verdict
    from .spec import Operation, Spec

USER_PROPERTY = "conformance"
MAX_UNREACHED_SHOWN = 10
MAX_CURL_SHOWN = 2000  # characters of a curl command the terminal shows


@dataclass
class State:
    settings: Settings
    catalog: Catalog
    spec: Spec
    runner: Runner
    baseline: Baseline | None = None
    started: float = field(default_factory=time.time)
    records: list[dict[str, Any]] = field(default_factory=list)
    worker_requests: int = 0
    worker_reach: list[dict[str, Any]] = field(default_factory=list)
    worker_credentials: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] | None = None
    written: list[tuple[str, Path]] = field(default_factory=list)


STATE = pytest.StashKey[State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "API conformance (conventions of a live HTTP API)")
    for name, help_text, kind in OPTIONS:
        dest = f"conformance_{name.replace('-', '_')}"
        if kind == "bool":
            group.addoption(f"--conformance-{name}", dest=dest, action="store_true", default=None, help=help_text)
        elif kind == "list":
            group.addoption(f"--conformance-{name}", dest=dest, action="append", default=None, help=help_text)
        else:
            group.addoption(f"--conformance-{name}", dest=dest, default=None, help=help_text)
        parser.addini(dest, help=help_text, default=None, type="linelist" if kind == "list" else None)


def _settings(config: pytest.Config) -> Settings | None:
    return resolve_settings(lambda key: config.getoption(f"conformance_{key}"),
                            lambda key: config.getini(key), config.rootpath)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    try:
        settings = _settings(config)
    except ConformanceError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings is None:
        return  # no URL: the plugin does nothing, and costs nothing
    _share_hypothesis_home(config)
    from .baseline import Baseline
    from .catalog import CATEGORIES, load_catalog
    from .credentials import Credentials
    from .engine import Runner
    from .spec import check_reachable, load_spec
    from .transport import Transport

    for category in CATEGORIES:
        config.addinivalue_line("markers", f"{category}: conformance rules of the {category} category")
    config.addinivalue_line("markers", "xdist_group(name): the operation whose requests serve the item")
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadscope"  # keep one operation's rules on one worker: its requests serve them all
    if getattr(config.option, "dist", "no") in ("loadscope", "loadgroup"):
        config.option.loadscopereorder = False  # our collection order (heaviest first), not xdist's item count
    try:
        catalog = load_catalog(settings.profile, relative_to=Path.cwd())
        credentials = Credentials.from_catalog(catalog.auth)
        credentials.validate(settings.token, "--conformance-token")
        credentials.validate(settings.forbidden_token, "--conformance-forbidden-token")
        _check_writable(settings)
        # Under xdist each worker keeps its share of the run's limits, so the run as a whole keeps them.
        workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
        transport = Transport(timeout=settings.timeout,
                              max_rps=settings.max_rps / workers if settings.max_rps else None,
                              max_requests=max(1, settings.max_requests // workers) if settings.max_requests else None,
                              read_only=settings.read_only, retry_after_cap=settings.retry_after_cap,
                              concurrency=max(1, -(-settings.concurrency // workers)))
        check_reachable(settings.url, timeout=settings.timeout, session=transport.session)
        spec = load_spec(settings.spec, settings.url, timeout=settings.timeout, session=transport.session,
                         base_dir=Path.cwd())
        _need_credential(settings, catalog, spec)
    except ConformanceError as exc:
        raise pytest.UsageError(str(exc)) from None
    runner = Runner(settings, catalog, spec, transport)
    from .redaction import secret_variables

    runner.redactor.variables.update(secret_variables(settings.token, settings.forbidden_token))  # for curl
    try:
        baseline = Baseline.load(settings.baseline, missing_ok=settings.update_baseline) if settings.baseline else None
    except ConformanceError as exc:
        raise pytest.UsageError(str(exc)) from None
    state = State(settings, catalog, spec, runner, baseline)
    config.stash[STATE] = state
    config.pluginmanager.register(RecordKeeper(state), "conformance-records")
    _index_teardown_reports(config)


def _index_teardown_reports(config: pytest.Config) -> None:
    """pytest's failure summary looks up each failure's teardown report by scanning every setup and teardown
    report of the session: 1,000 failures among 6,000 items cost 7 s. The same lookup, from an index built
    once (and again when reports were added). Left alone if pytest's reporter has no such method."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not callable(getattr(reporter, "_get_teardown_reports", None)) \
            or not callable(getattr(reporter, "getreports", None)):
        return
    index: dict[str, Any] = {"size": -1, "by_id": {}}

    def get_teardown_reports(node_id: str) -> list[Any]:
        reports = reporter.getreports("")
        if index["size"] != len(reports):
            by_id: dict[str, list[Any]] = {}
            for report in reports:
                if report.when == "teardown":
                    by_id.setdefault(report.id, []).append(report)
            index.update(size=len(reports), by_id=by_id)
        return list(index["by_id"].get(node_id, []))

    reporter._get_teardown_reports = get_teardown_reports


def _need_credential(settings: Settings, catalog: Catalog, spec: Spec) -> None:
    """A profile whose operations need a credential never runs without one: a run where everything answered
    401 must not pass."""
    from .errors import UsageError

    if settings.token or not catalog.auth.get("channels"):
        return
    if catalog.auth.get("protects") == "all":
        why = f"the {catalog.profile} profile's document says every resource is authenticated"
    else:
        protected = [op for op in spec.operations if op.protected]
        if not protected:
            return
        why = f"the spec declares security on {len(protected)} of its {len(spec.operations)} operations"
    raise UsageError(f"No credential was given, and {why}: pass a valid one with --conformance-token or the "
                     "CONFORMANCE_TOKEN environment variable.")


def _share_hypothesis_home(config: pytest.Config) -> None:
    """Hypothesis builds its unicode tables (seconds of CPU) in ./.hypothesis; a conformance run in a fresh
    directory would pay that every time. The example database is off, so only those tables live there."""
    import os

    if (Path.cwd() / ".hypothesis").exists() or os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "conformance" / "hypothesis"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(str(home))


def _check_writable(settings: Settings) -> None:
    from .errors import UsageError

    for option, path in (("json", settings.json), ("html", settings.html), ("sarif", settings.sarif)):
        if path is None:
            continue
        directory = path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            raise UsageError(f"--conformance-{option}={path}: the folder {directory} cannot be created.") from None
        if path.is_dir() or not _writable(directory):
            raise UsageError(f"--conformance-{option}={path}: cannot write there; choose a writable file path.")


def _writable(directory: Path) -> bool:
    import os

    return os.access(directory, os.W_OK)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(STATE, None)
    if state is None:
        return None
    s = state.settings
    rules = len(state.catalog.rules)
    return [
        f"conformance: target {s.url}",
        f"conformance: spec {state.spec.location} ({len(state.spec.operations)} operations"
        + (f", {len(state.spec.invalid)} unusable" if state.spec.invalid else "") + ")",
        f"conformance: profile {state.catalog.profile} ({rules} rules, {state.catalog.origin})",
        f"conformance: seed {s.seed} (repeat this run with --conformance-seed={s.seed})",
    ]


class ConformanceRoot(pytest.File):
    def collect(self):
        state = self.config.stash[STATE]
        operations = state.spec.operations
        if _distributed(self.config):
            # xdist hands each operation to one worker (its requests serve all its rules); giving out the
            # heavy ones first keeps one worker from starting the heaviest last while the other sits idle.
            operations = sorted(operations, key=lambda op: -op.weight)
        for operation in operations:
            yield OperationNode.from_parent(self, name=operation.label, operation=operation)
        for label, why in state.spec.invalid:
            yield UnusableOperationItem.from_parent(self, name=f"unusable {label}", why=why)


class OperationNode(pytest.Collector):
    def __init__(self, *, operation: Operation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation = operation

    def collect(self):
        state = self.config.stash[STATE]
        group = pytest.mark.xdist_group(self.operation.label) if _distributed(self.config) else None
        for rule in state.catalog.rules:
            resolved, _ = state.runner.applicability(rule, self.operation)
            if resolved is None:
                continue  # not applicable: shown in the reports, not collected
            item = RuleItem.from_parent(self, name=rule.id, rule=rule, operation=self.operation)
            item.add_marker(rule.category)
            if group is not None:
                item.add_marker(group)
            yield item


def _distributed(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput") or getattr(config.option, "dist", "no") != "no"


class RuleViolation(Exception):
    def __init__(self, verdict: Verdict, text: str):
        super().__init__(text)
        self.verdict = verdict


class RuleItem(pytest.Item):
    def __init__(self, *, rule: Rule, operation: Operation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule
        self.operation = operation
        self.verdict: Verdict | None = None
        self.accepted_because: str | None = None
        self.advisory = False

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        verdict = state.runner.verdict(self.rule, self.operation)
        self.verdict = verdict
        if verdict.status == "failed" and verdict.rule.example:
            # Examples are not requirements: a value shown in an example informs, never binds. Reported, never
            # failing the run (nor needing the baseline's acceptance).
            self.advisory = True
            first = state.runner.redactor.text(verdict.violations[0].message) if verdict.violations else verdict.reason
            first = first if len(first) <= 200 else first[:199] + "…"
            pytest.xfail(f"{self.rule.id} on {self.operation.label}: advisory: the document's example ({first})")
        if verdict.status == "failed":
            entry = state.baseline.accepts(self.rule.id, self.operation.label) if state.baseline else None
            if entry is not None or state.settings.update_baseline:
                self.accepted_because = entry.reason if entry else "written to the baseline by this run"
                pytest.xfail(f"{self.rule.id} on {self.operation.label}: accepted by the baseline "
                             f"({self.accepted_because})")
            raise RuleViolation(verdict, format_failure(verdict, state))
        if verdict.status in ("skipped", "not-applicable"):
            pytest.skip(f"{self.rule.id} on {self.operation.label}: {verdict.reason}")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, (RuleViolation, UnusableDefinition)):
            return str(excinfo.value)
        if excinfo.errisinstance(pytest.xfail.Exception):
            # An advisory or accepted verdict: its reason is the whole story, and pytest would otherwise format
            # the traceback's source (ast.parse) while the run's threads draw, which CPython 3.11 may not survive.
            return str(excinfo.value)
        try:
            return super().repr_failure(excinfo, style)
        except Exception:  # noqa: BLE001 - formatting the traceback failed; the error itself still shows
            return "".join(traceback.format_exception_only(excinfo.type, excinfo.value)).strip()

    def reportinfo(self):
        return self.path, None, f"{self.operation.label} :: {self.rule.id}"


class UnusableOperationItem(pytest.Item):
    def __init__(self, *, why: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.why = why

    def runtest(self) -> None:
        raise RuleViolation(None, f"This operation cannot be tested: {self.why}")  # type: ignore[arg-type]

    def repr_failure(self, excinfo, style=None):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, self.name


def format_failure(verdict: Verdict, state: State) -> str:
    from .report.sources import document_titles, source_label

    rule = verdict.rule
    redactor = state.runner.redactor
    lines = [f"{rule.id} ({rule.severity}): {rule.title}",
             f"Operation: {verdict.operation}",
             f"Source:    {source_label(rule.source, document_titles(state.catalog.documents), quote=True)}"]
    if verdict.critical:
        lines.append("CRITICAL:  the operation ignores authentication")
    extra = verdict.violation_count - len(verdict.violations)
    for number, violation in enumerate(verdict.violations, 1):
        lines.append("")
        lines.append(f"{number}. {redactor.text(violation.message)}")
        if violation.exchange is not None:
            from .report.records import exchange_record

            record = exchange_record(violation.exchange, redactor)
            response = record["response"]
            if response is not None:
                lines.append(f"   Received: {response['status']} {response['headers'].get('content-type', '')}".rstrip())
                if response["body"]:
                    lines.append(f"   Body:     {response['body'][:200]}")
            needs = " and ".join(record["curl_env"])
            curl = record["curl"]
            if len(curl) > MAX_CURL_SHOWN:  # a URL of hundreds of kilobytes: the reports have it whole
                curl = f"{curl[:MAX_CURL_SHOWN]}... ({len(curl) // 1024} KB in all: the JSON and HTML reports have it whole)"
            lines.append(f"   Reproduce with{f' (set {needs} first)' if needs else ''}: {curl}")
    if extra > 0:
        lines.append(f"\n... and {extra} more violation(s) of this rule on this operation.")
    expired = state.baseline.entries.get((rule.id, verdict.operation)) if state.baseline else None
    if expired is not None and expired.expires is not None:
        lines.append(f"\nThe baseline accepted this until {expired.expires.isoformat()} ({expired.reason}); "
                     "it has expired, so it counts again.")
    lines.append("")
    if rule.check == "auth.valid-credentials":
        lines.append("Check the credential given with --conformance-token (or CONFORMANCE_TOKEN), and that the API "
                     "takes it the way the profile says it travels; switch the rule off only if the document is wrong:")
    else:
        lines.append(f"Silence it for this operation in your catalog (extends: {state.catalog.profile}):")
    lines.append(f"  rules: [{{id: {rule.id}, overrides: [{{match: {{operations: ['{verdict.operation}']}}, "
                 f"enabled: false, reason: '...'}}]}}]")
    return "\n".join(lines)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.stash.get(STATE, None) is None:
        return
    root = ConformanceRoot.from_parent(session, path=config.rootpath / "conformance")

    def flat(node):
        for child in node.collect():
            if isinstance(child, pytest.Collector):
                yield from flat(child)
            else:
                yield child

    ours = list(flat(root))
    items[:0] = ours
    # Tell the terminal (and any other reporter) what was collected: "collected 94 items".
    session.ihook.pytest_collectreport(report=pytest.CollectReport(root.nodeid, "passed", None, ours))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Tell the engine which operations this process will judge, in order: it runs them ahead, concurrently,
    when the first verdict is asked for. Under xdist a worker judges only its share (see StaticScheduling)."""
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    labels = list(dict.fromkeys(item.operation.label for item in session.items if isinstance(item, RuleItem)))
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None:
        if not _static(session.config):
            return  # xdist hands out operations as it goes: each runs when its first verdict is asked for
        share = static_share([item.nodeid for item in session.items], state.spec,
                             int(workerinput.get("workercount", 1)))
        mine = _worker_index(workerinput.get("workerid", ""))
        labels = [label for label in labels if share.get(_UNIT_PREFIX + label) == mine]
    by_label = {op.label: op for op in state.spec.operations}
    state.runner.expect([by_label[label] for label in labels if label in by_label])


# -- xdist: every operation's worker is known before the run starts ------------------------------------------
_UNIT_PREFIX = "conformance::"


def _static(config: pytest.Config) -> bool:
    return getattr(config.option, "dist", "no") == "loadscope"


def _worker_index(workerid: str) -> int | None:
    return int(workerid[2:]) if workerid.startswith("gw") and workerid[2:].isdigit() else None


def static_share(nodeids: list[str], spec: Spec, workers: int) -> dict[str, int]:
    """Which worker judges each operation: the heaviest to draw first, each to the least loaded worker. The
    controller and every worker compute the same split from the same collection."""
    from .schedule import partition

    weights = {_UNIT_PREFIX + op.label: op.weight for op in spec.operations}
    units = list(dict.fromkeys(nodeid.rsplit("::", 1)[0] for nodeid in nodeids))
    return partition([(unit, weights.get(unit, 0)) for unit in units], workers)


@pytest.hookimpl(optionalhook=True, tryfirst=True)  # an xdist hook: only called when pytest-xdist is installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    state = config.stash.get(STATE, None)
    if state is None or not _static(config):
        return None
    return _static_scheduling(config, log, state.spec)


def _static_scheduling(config: pytest.Config, log: Any, spec: Spec) -> Any:
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    class StaticScheduling(LoadScopeScheduling):
        """xdist's loadscope (one operation's rules on one worker), except that every operation is handed to
        its worker at the start, all at once, by ``static_share``: each worker knows every operation it will
        judge before its first verdict, so it can run them all ahead, concurrently."""

        def schedule(self) -> None:
            assert self.collection_is_completed
            if self.collection is not None:
                for node in self.nodes:
                    self._reschedule(node)
                return
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = list(next(iter(self.registered_collections.values())))
            if not self.collection:
                return
            units: OrderedDict[str, dict[str, bool]] = OrderedDict()
            for nodeid in self.collection:
                units.setdefault(self._split_scope(nodeid), {})[nodeid] = False
            nodes = {_worker_index(node.gateway.id): node for node in self.nodes}
            share = static_share(self.collection, spec, len(self.nodes))
            if None in nodes or set(nodes) != set(range(len(self.nodes))):
                self.workqueue.update(units)  # workers not named gw0..gwN-1: xdist's own handing out
                return super_schedule_rest(self)
            indices: dict[Any, list[int]] = {node: [] for node in self.nodes}
            for scope, work_unit in units.items():
                node = nodes[share.get(scope, 0)]
                self.assigned_work[node][scope] = work_unit
                collection = self.registered_collections[node]
                indices[node] += [collection.index(nodeid) for nodeid in work_unit]
            for node, todo in indices.items():
                if todo:
                    node.send_runtest_some(todo)
                else:
                    node.shutdown()

    def super_schedule_rest(scheduler: Any) -> None:
        for node in scheduler.nodes:
            if scheduler.workqueue:
                scheduler._assign_work_unit(node)

    return StaticScheduling(config, log)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if isinstance(item, RuleItem) and call.when == "call" and item.verdict is not None:
        state = item.config.stash[STATE]
        from .report.records import verdict_record

        record = verdict_record(item.verdict, state.runner.redactor)
        if item.accepted_because is not None:
            record["baselined"] = True
            record["accepted_because"] = item.accepted_because
        if item.advisory:
            record["advisory"] = True
        report.user_properties.append((USER_PROPERTY, json.dumps(record)))
    elif isinstance(item, RuleItem) and call.when == "call" and report.failed and call.excinfo is not None:
        # The tool itself failed to judge the rule: not a finding about the API, and never a silent "not run".
        state = item.config.stash[STATE]
        if call.excinfo.errisinstance(UnusableDefinition):  # a finding about the spec, not about the API
            reason = str(call.excinfo.value)
        else:
            error = "".join(traceback.format_exception_only(call.excinfo.type, call.excinfo.value)).strip()
            error = error if len(error) <= 300 else error[:299] + "…"
            reason = f"not judged: the tool failed ({error}); a bug in conformance, not a finding about the API: " \
                     "please report it"
        report.user_properties.append((USER_PROPERTY, json.dumps({
            "rule": item.rule.id, "operation": item.operation.label, "status": "skipped",
            "severity": item.rule.severity, "violations": [], "violation_count": 0, "judged": 0, "error": True,
            "reason": state.runner.redactor.text(reason)})))


class RecordKeeper:
    """Gathers the verdict records from every report: serial runs and xdist workers alike."""

    def __init__(self, state: State):
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in getattr(report, "user_properties", []):
            if name == USER_PROPERTY:
                self.state.records.append(json.loads(value))

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: only called when pytest-xdist is installed
    def pytest_testnodedown(self, node, error) -> None:
        self.state.worker_requests += int(node.workeroutput.get("conformance_requests", 0))
        reach = node.workeroutput.get("conformance_reach")
        if reach:
            self.state.worker_reach.append(json.loads(reach))
        credential = node.workeroutput.get("conformance_credential")
        if credential:
            self.state.worker_credentials.append(json.loads(credential))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(STATE, None)
    if state is None:
        return
    from .report.html_report import write_html
    from .report.json_report import build_report, write_json
    from .report.sarif_report import spec_uri_for, write_sarif

    if config.option.collectonly:
        return  # nothing ran: no report to write
    state.runner.close()  # delete what the suite created
    if hasattr(config, "workerinput"):  # an xdist worker: the controller writes the reports
        config.workeroutput["conformance_requests"] = state.runner.transport.sent
        config.workeroutput["conformance_reach"] = json.dumps(state.runner.reach_report())
        config.workeroutput["conformance_credential"] = json.dumps(state.runner.credential_status.as_dict())
        return
    records = list(state.records)
    seen = {(r["rule"], r["operation"]) for r in records}
    for operation in state.spec.operations:  # the cells no item reported: not applicable, or not run
        for rule in state.catalog.rules:
            if (rule.id, operation.label) in seen:
                continue
            resolved, reason = state.runner.applicability(rule, operation)
            status = "not-applicable" if resolved is None else "skipped"
            records.append({"rule": rule.id, "operation": operation.label, "status": status,
                            "severity": rule.severity, "violations": [], "violation_count": 0, "judged": 0,
                            "reason": reason or "not run in this session (deselected, or the run stopped early)",
                            "not_run": resolved is not None})
    s = state.settings
    meta = {
        "requests": state.runner.transport.sent + state.worker_requests,
        "duration_s": round(time.time() - state.started, 3),
        "target": s.url,
        "spec": state.spec.location,
        "profile": state.catalog.profile,
        "catalog": state.catalog.origin,
        "seed": s.seed,
        "operations": len(state.spec.operations),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(state.started)),
        "reach": reach_summary(state),
        "credential": credential_summary(state),
    }
    failing = {(r["rule"], r["operation"]) for r in records if r["status"] == "failed"}
    advisory = {(r["rule"], r["operation"]) for r in records if r.get("advisory")}
    if state.baseline is not None:
        meta["baseline"] = {
            "file": str(s.baseline),
            "accepted": sum(1 for r in records if r.get("baselined")),
            "fixed": [e.as_dict() for e in state.baseline.fixed(failing)],
            "expired": [e.as_dict() for e in state.baseline.expired()],
        }
    state.report = build_report(catalog=state.catalog, records=records, meta=meta)
    # A run passes only if a rule judged the API itself: rules judged on the spec alone do not count.
    judged = [r for r in records if r["status"] in ("passed", "failed") and not r.get("static")]
    ran = [r for r in records if r["status"] != "not-applicable" and not r.get("not_run") and not r.get("static")]
    if ran and not judged and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a gate that could check nothing does not pass
    if s.update_baseline and state.baseline is not None:  # an advisory failure needs no accepting
        state.baseline.updated({key for key in failing if key not in advisory}).write()
        state.written.append(("Baseline", s.baseline))
    if s.json:
        write_json(state.report, s.json)
        state.written.append(("JSON", s.json))
    if s.html:
        write_html(state.report, s.html)
        state.written.append(("HTML", s.html))
    if s.sarif:
        write_sarif(state.report, s.sarif, spec_uri_for(state.spec.location))
        state.written.append(("SARIF", s.sarif))
    state.runner.transport.close()


def credential_summary(state: State) -> dict[str, Any]:
    """Whether the API accepted the valid credential (under xdist: refused by any worker is refused)."""
    views = state.worker_credentials or [state.runner.credential_status.as_dict()]
    for status in ("refused", "accepted"):
        for view in views:
            if view["status"] == status:
                return view
    return views[0]


def reach_summary(state: State) -> dict[str, Any]:
    """How many operations a valid request reached (a 2xx), and per operation the path values and their
    sources; under xdist the workers' views are merged (reached anywhere is reached)."""
    merged: dict[str, dict[str, Any]] = {}
    for view in [state.runner.reach_report(), *state.worker_reach]:
        for label, entry in view.items():
            known = merged.get(label)
            if known is None:
                merged[label] = dict(entry)
                continue
            statuses = dict(known["statuses"])
            for status, count in entry["statuses"].items():
                statuses[status] = statuses.get(status, 0) + count
            if entry["reached"] and not known["reached"]:
                known = dict(entry)
            known["statuses"] = statuses
            merged[label] = known
    by_operation = {}
    for operation in state.spec.operations:
        entry = merged.get(operation.label) or {"reached": False, "statuses": {}, "values": [],
                                                "hint": "no request was sent to it in this run"}
        if entry["reached"]:
            entry["hint"] = ""
        by_operation[operation.label] = entry
    return {"reached": sum(1 for e in by_operation.values() if e["reached"]), "operations": len(by_operation),
            "by_operation": by_operation}


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.report is None:
        return
    summary = state.report["summary"]
    terminalreporter.section("conformance")
    if summary["verdict"] == "failed" and not summary["new_failures"] and not summary.get("errors") and state.records:
        reasons = sorted({r["reason"] for r in state.report["rules"] if r["status"] == "skipped" and r["reason"]})
        terminalreporter.write_line(f"No rule could judge the API itself, so this run does not pass: "
                                    f"{reasons[0] if reasons else ''}",
                                    red=True)
    reach = summary["reach"]
    if summary["credential"]["status"] == "refused":
        terminalreporter.write_line(f"CREDENTIAL REFUSED: {summary['credential']['message']}. Every rule that needs it "
                                    "was not judged; check --conformance-token (or CONFORMANCE_TOKEN) and how the "
                                    "profile says it travels.", red=True)
    accepted = f"{summary['accepted']} accepted by the baseline, " if summary.get("baseline") else ""
    advisory = f"{summary['advisory']} advisory (the document's example), " if summary.get("advisory") else ""
    terminalreporter.write_line(
        f"profile {summary['profile']}: {summary['failed']} rules failed, {accepted}{advisory}{summary['passed']} "
        f"passed, {summary['skipped']} skipped; reached {reach['reached']} of {reach['operations']} operations; "
        f"{summary['requests']} requests in {summary['duration_s']:.1f} s",
        green=summary.get("verdict") == "passed" and bool(accepted or advisory))
    unreached = [(label, entry) for label, entry in reach["by_operation"].items() if not entry["reached"]]
    for label, entry in unreached[:MAX_UNREACHED_SHOWN]:
        terminalreporter.write_line(f"  UNREACHED {label}: {entry['hint']}", yellow=True)
    if len(unreached) > MAX_UNREACHED_SHOWN:
        terminalreporter.write_line(f"  ... and {len(unreached) - MAX_UNREACHED_SHOWN} more operations not reached "
                                    "(see the reports)", yellow=True)
    for rule in state.report["rules"]:
        if rule["status"] not in ("failed", "accepted", "advisory"):
            continue
        failing = [v for v in rule["operations"].values() if v["status"] == "failed"]
        new = sum(1 for v in failing if not v.get("baselined") and not v.get("advisory"))
        if rule["status"] == "advisory":  # examples are not requirements: it informs, never fails the run
            terminalreporter.write_line(f"  advisory (the document's example): {rule['id']} ({rule['severity']}) on "
                                        f"{len(failing)} operation(s)")
            continue
        if rule["status"] == "accepted":
            terminalreporter.write_line(f"  accepted by the baseline: {rule['id']} ({rule['severity']}) on "
                                        f"{len(failing)} operation(s)")
            continue
        critical = " CRITICAL" if any(v.get("critical") for v in rule["violations"]) else ""
        more = f", {len(failing) - new} more accepted by the baseline" if new < len(failing) else ""
        terminalreporter.write_line(f"  FAILED {rule['id']} ({rule['severity']}){critical}: "
                                    f"{new} operation(s){more}", red=True)
    for error in summary.get("errors", []):  # not judged: an operation the spec defines unusably, or a tool error
        terminalreporter.write_line(f"  ERROR on {error['operation']}: {error['reason']}", red=True)
    baseline = summary.get("baseline")
    if baseline:
        terminalreporter.write_line(f"baseline {baseline['file']}: {baseline['accepted']} failure(s) accepted, "
                                    f"{summary['new_failures']} new")
        for entry in baseline["fixed"]:
            terminalreporter.write_line(f"  FIXED {entry['rule']} on {entry['operation']}: no longer occurs; "
                                        "remove it from the baseline", green=True)
        for entry in baseline["expired"]:
            terminalreporter.write_line(f"  EXPIRED {entry['rule']} on {entry['operation']} "
                                        f"(expired {entry['expires']}): it counts again", yellow=True)
    for kind, path in state.written:
        terminalreporter.write_line(f"{kind} report: {path}")
