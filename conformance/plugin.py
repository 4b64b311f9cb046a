"""pytest glue only: options, collection, items, and the hooks that hand a run's records to its record and its
summary to the terminal writer.

The run is built from the settings by ``run.py``; what it found, the gate and the reports are ``report/run.py``'s
and the terminal's text ``report/terminal.py``'s; which xdist worker judges what is ``workers.py``'s. Without
--conformance-url (or CONFORMANCE_URL / conformance_url) this plugin does nothing.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from .errors import ConformanceError, UsageError
from .models import UnusableDefinition
from .settings import OPTIONS, Settings, described, ini_name, resolve_settings

if TYPE_CHECKING:  # the engine (schemathesis, Hypothesis) is imported only when a run is asked for
    from .catalog import Rule
    from .models import Verdict
    from .report.run import RunRecord
    from .run import Run
    from .spec import Operation

USER_PROPERTY = "conformance"


@dataclass
class State:
    run: Run  # what this process judges, built from the settings (run.py)
    record: RunRecord  # what it found (report/run.py)


STATE = pytest.StashKey[State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "API conformance (conventions of a live HTTP API)")
    for name, bare_help, kind in OPTIONS:
        dest = ini_name(name)
        help_text = described(name, bare_help)
        if kind == "bool":
            group.addoption(f"--conformance-{name}", dest=dest, action="store_true", default=None, help=help_text)
        elif kind in ("list", "globs"):
            group.addoption(f"--conformance-{name}", dest=dest, action="append", default=None, help=help_text)
        else:
            group.addoption(f"--conformance-{name}", dest=dest, default=None, help=help_text)
        parser.addini(dest, help=help_text, default=None,
                      type={"list": "linelist", "globs": "linelist", "bool": "bool"}.get(kind))


def _settings(config: pytest.Config) -> Settings | None:
    return resolve_settings(lambda key: config.getoption(f"conformance_{key}"), lambda key: _ini(config, key),
                            config.rootpath)


def _ini(config: pytest.Config, key: str) -> Any:
    """An ini value as pytest reads it; one pytest cannot read as its type (a boolean key set to 'maybe') is one
    sentence that names the option, the key and what it takes."""
    try:
        return config.getini(key)
    except pytest.UsageError as exc:
        option = "--" + key.replace("_", "-")
        raise UsageError(f"{option} takes true or false; got an {exc} (from the ini option {key}).") from None


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    try:
        settings = _settings(config)
    except ConformanceError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings is None:
        return  # no URL: the plugin does nothing, and costs nothing
    from .catalog import CATEGORIES
    from .report.run import RunRecord
    from .run import build_run, share_hypothesis_home

    share_hypothesis_home()
    config.pluginmanager.register(CredentialFirst(), "conformance-credential-first")
    for category in CATEGORIES:
        config.addinivalue_line("markers", f"{category}: conformance rules of the {category} category")
    config.addinivalue_line("markers", "xdist_group(name): the operation whose requests serve the item")
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadscope"  # keep one operation's rules on one worker: its requests serve them all
    if getattr(config.option, "dist", "no") in ("loadscope", "loadgroup"):
        config.option.loadscopereorder = False  # our collection order (heaviest first), not xdist's item count
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    try:
        run = build_run(settings, workers=workers)
    except ConformanceError as exc:
        raise pytest.UsageError(str(exc)) from None
    state = State(run, RunRecord())
    config.stash[STATE] = state
    config.pluginmanager.register(RecordKeeper(state.record), "conformance-records")
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


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(STATE, None)
    if state is None:
        return None
    run = state.run
    s = run.settings
    rules = len(run.catalog.rules)
    return [
        f"conformance: target {s.url}",
        f"conformance: spec {run.spec.location} ({len(run.spec.operations)} operations"
        + (f", {len(run.spec.invalid)} unusable" if run.spec.invalid else "") + ")",
        f"conformance: profile {run.catalog.profile} ({rules} rules, {run.catalog.origin})",
        f"conformance: seed {s.seed} (repeat this run with --conformance-seed={s.seed})",
    ] + ([(f"conformance: shard {s.shard[0]}/{s.shard[1]}: {len(run.operations)} of the {len(run.spec.operations)} "
           "operations (`conformance merge` makes one report of the shards' JSON reports)")] if s.shard else [])


class ConformanceRoot(pytest.File):
    def collect(self):
        run = self.config.stash[STATE].run
        operations = run.operations  # the spec's, or this shard's share of them
        if _distributed(self.config):
            # xdist hands each operation to one worker (its requests serve all its rules); giving out the
            # heavy ones first keeps one worker from starting the heaviest last while the other sits idle.
            operations = sorted(operations, key=lambda op: -op.weight)
        for operation in operations:
            yield OperationNode.from_parent(self, name=operation.label, operation=operation)
        for label, why in run.unusable:
            yield UnusableOperationItem.from_parent(self, name=f"unusable {label}", why=why)


class OperationNode(pytest.Collector):
    def __init__(self, *, operation: Operation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation = operation

    def collect(self):
        run = self.config.stash[STATE].run
        group = pytest.mark.xdist_group(self.operation.label) if _distributed(self.config) else None
        for rule in run.catalog.rules:
            resolved, _ = run.runner.applicability(rule, self.operation)
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
        run = self.config.stash[STATE].run
        verdict = run.runner.verdict(self.rule, self.operation)
        self.verdict = verdict
        if verdict.status == "failed" and verdict.rule.example:
            # Examples are not requirements: a value shown in an example informs, never binds. Reported, never
            # failing the run (nor needing the baseline's acceptance).
            self.advisory = True
            first = run.runner.redactor.text(verdict.violations[0].message) if verdict.violations else verdict.reason
            first = first if len(first) <= 200 else first[:199] + "…"
            pytest.xfail(f"{self.rule.id} on {self.operation.label}: advisory: the document's example ({first})")
        if verdict.status == "failed":
            entry = run.baseline.accepts(self.rule.id, self.operation.label) if run.baseline else None
            if entry is not None or run.settings.update_baseline:
                self.accepted_because = entry.reason if entry else "written to the baseline by this run"
                pytest.xfail(f"{self.rule.id} on {self.operation.label}: accepted by the baseline "
                             f"({self.accepted_because})")
            from .report.terminal import failure_text

            raise RuleViolation(verdict, failure_text(verdict, redactor=run.runner.redactor, catalog=run.catalog,
                                                      baseline=run.baseline))
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
    when the first verdict is asked for. Under xdist a worker judges only its share (workers.py)."""
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    labels = list(dict.fromkeys(item.operation.label for item in session.items if isinstance(item, RuleItem)))
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None:
        if not _static(session.config):
            return  # xdist hands out operations as it goes: each runs when its first verdict is asked for
        from .workers import UNIT_PREFIX, static_share, worker_index

        share = static_share([item.nodeid for item in session.items], state.run.spec,
                             int(workerinput.get("workercount", 1)))
        mine = worker_index(workerinput.get("workerid", ""))
        labels = [label for label in labels if share.get(UNIT_PREFIX + label) == mine]
    by_label = {op.label: op for op in state.run.spec.operations}
    state.run.runner.expect([by_label[label] for label in labels if label in by_label])


# -- xdist: every operation's worker is known before the run starts (workers.py) ----------------------------
def _static(config: pytest.Config) -> bool:
    return getattr(config.option, "dist", "no") == "loadscope"


@pytest.hookimpl(optionalhook=True, tryfirst=True)  # an xdist hook: only called when pytest-xdist is installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    state = config.stash.get(STATE, None)
    if state is None or not _static(config):
        return None
    from .workers import static_scheduling

    return static_scheduling(config, log, state.run.spec)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if isinstance(item, (RuleItem, UnusableOperationItem)) and report.skipped and isinstance(report.longrepr, tuple):
        # a skip is about the rule and the operation, not about the line of the plugin that raised it
        report.longrepr = ("conformance", None, report.longrepr[2])
    if isinstance(item, RuleItem) and call.when == "call" and item.verdict is not None:
        run = item.config.stash[STATE].run
        from .report.records import verdict_record

        record = verdict_record(item.verdict, run.runner.redactor)
        if item.accepted_because is not None:
            record["baselined"] = True
            record["accepted_because"] = item.accepted_because
        if item.advisory:
            record["advisory"] = True
        report.user_properties.append((USER_PROPERTY, json.dumps(record)))
    elif isinstance(item, RuleItem) and call.when == "call" and report.failed and call.excinfo is not None:
        # The tool itself failed to judge the rule: not a finding about the API, and never a silent "not run".
        run = item.config.stash[STATE].run
        if call.excinfo.errisinstance(UnusableDefinition):  # a finding about the spec, not about the API
            reason = str(call.excinfo.value)
        else:
            error = "".join(traceback.format_exception_only(call.excinfo.type, call.excinfo.value)).strip()
            error = error if len(error) <= 300 else error[:299] + "…"
            reason = f"not judged: the tool failed ({error}); a bug in conformance, not a finding about the API: " \
                     "please report it"
        from .report.records import unjudged_record

        record = unjudged_record(item.rule, item.operation.label, reason, run.runner.redactor)
        report.user_properties.append((USER_PROPERTY, json.dumps(record)))


class RecordKeeper:
    """Gathers the verdict records from every report: serial runs and xdist workers alike."""

    def __init__(self, record: RunRecord):
        self.record = record

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in getattr(report, "user_properties", []):
            if name == USER_PROPERTY:
                self.record.add(json.loads(value))

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: only called when pytest-xdist is installed
    def pytest_testnodedown(self, node, error) -> None:
        self.record.merge(node.workeroutput)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(STATE, None)
    if state is None:
        return
    if config.option.collectonly:
        return  # nothing ran: no report to write
    run, record = state.run, state.record
    run.runner.close()  # delete what the suite created
    if hasattr(config, "workerinput"):  # an xdist worker: the controller writes the reports
        from .report.run import worker_output

        config.workeroutput.update(worker_output(requests=run.runner.transport.sent, reach=run.runner.reach_report(),
                                                 credential=run.runner.credential_status.as_dict()))
        return
    record.finish(settings=run.settings, catalog=run.catalog, spec=run.spec, baseline=run.baseline,
                  applicability=run.runner.applicability, requests=run.runner.transport.sent,
                  reach=run.runner.reach_report(), credential=run.runner.credential_status.as_dict(),
                  operations=run.operations, shard=run.settings.shard)
    status = session.exitstatus
    if run.settings.shard and not (run.operations or run.unusable) and status == pytest.ExitCode.NO_TESTS_COLLECTED:
        status = pytest.ExitCode.OK  # more shards than operations: an empty share is a share all the same
    status = record.gate(status)
    if status != session.exitstatus:
        session.exitstatus = pytest.ExitCode(status)  # a gate that could check nothing does not pass
    record.write(settings=run.settings, baseline=run.baseline, spec_location=run.spec.location)
    run.runner.transport.close()


class CredentialFirst:
    """A refused credential leads the end of the run: said before pytest lists the failures it explains (pytest
    lists them inside its own wrapper of this hook, so this one wraps it), and again in the conformance section."""

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> Any:
        state = config.stash.get(STATE, None)
        report = state.record.report if state is not None else None
        if report is not None and report["summary"]["credential"]["status"] == "refused":
            from .report.terminal import credential_line

            terminalreporter.write_sep("=", "conformance: the credential was refused", red=True)
            terminalreporter.write_line(credential_line(report["summary"]), red=True)
        return (yield)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.record.report is None:
        return
    from .report.terminal import summary_lines

    terminalreporter.section("conformance")
    for text, markup in summary_lines(state.record):
        terminalreporter.write_line(text, **markup)
