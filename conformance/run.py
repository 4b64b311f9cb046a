"""A run, built from its settings: the catalog, the credentials, the transport, the spec, the runner and the
baseline, each checked before anything is judged. Nothing here knows pytest: the plugin builds its run with
``build_run`` (and turns a ConformanceError into a usage error), and so can any other front end.

The engine (schemathesis, Hypothesis) is imported only when a run is built.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .errors import UsageError
from .schedule import families, partition

if TYPE_CHECKING:
    from .baseline import Baseline
    from .catalog import Catalog
    from .engine import Runner
    from .settings import Settings
    from .spec import Spec


@dataclass
class Run:
    """What one run judges, and with what: built once per process (under xdist, once per worker)."""

    settings: Settings
    catalog: Catalog
    spec: Spec
    runner: Runner
    baseline: Baseline | None = None

    @cached_property
    def operations(self) -> list[Any]:
        """The operations this run judges: the spec's, or under --conformance-shard=K/N share K of them."""
        return shard_operations(self.spec.operations, self.settings.shard)

    @property
    def unusable(self) -> list[tuple[str, str]]:
        """The operations the spec defines unusably (each one failing item): judged by the first shard only."""
        shard = self.settings.shard
        return list(self.spec.invalid) if shard is None or shard[0] == 1 else []


def shard_operations(operations: Sequence[Any], shard: tuple[int, int] | None) -> list[Any]:
    """Share K of N of the operations, ``shard`` being (K, N). Every operation is in exactly one share, and a
    family's operations (the paths under one collection: ``/users``, ``/users/{id}``, ``/users/{id}/keys``) all in
    the same one: a verdict may rest on its family's requests (a create-read sequence reaches ``GET /users/{id}``;
    a 405 probe asks whether any operation on its path was reached), so a share judges exactly as the whole run
    does. The shares are balanced by expected work (Operation.weight, summed per family, by
    ``schedule.partition`` as xdist's static share is); every shard computes the same split from the same spec,
    and keeps the spec's order."""
    if shard is None:
        return list(operations)
    k, n = shard
    family = families([op.path for op in operations])
    work: dict[str, float] = {}
    for op in operations:  # partition counts 1 per unit on top of its weight: each operation counts weight + 1
        work[family[op.path]] = work.get(family[op.path], -1.0) + op.weight + 1
    share = partition(list(work.items()), n)
    return [op for op in operations if share[family[op.path]] == k - 1]


def load_catalog(name: str, *, relative_to: Path | None = None) -> Catalog:
    """The catalog a run judges by: a built-in profile by name or a catalog file by path, each rule's check one
    the rules package registers (``rules.CHECKS``), its params valid for it. Raises CatalogError with one plain
    sentence."""
    from .catalog import load_catalog as load
    from .rules import CHECKS

    return load(name, checks=CHECKS, relative_to=relative_to)


def build_run(settings: Settings, *, workers: int = 1) -> Run:
    """Load and check everything a run needs, in the order a user fixes it: the catalog, the credentials given,
    the report paths, the target's reachability, the spec, the credential the spec needs, the baseline.
    Under xdist each of ``workers`` keeps its share of the run's limits, so the run as a whole keeps them.
    Raises ConformanceError with one plain sentence."""
    from .baseline import Baseline
    from .credentials import Credentials
    from .engine import Runner
    from .redaction import secret_variables
    from .spec import check_reachable, load_spec
    from .transport import Transport

    catalog = load_catalog(settings.profile, relative_to=Path.cwd())
    credentials = Credentials.from_catalog(catalog.auth)
    credentials.validate(settings.token, "--conformance-token")
    credentials.validate(settings.forbidden_token, "--conformance-forbidden-token")
    check_writable(settings)
    transport = Transport(timeout=settings.timeout,
                          max_rps=settings.max_rps / workers if settings.max_rps else None,
                          max_requests=max(1, settings.max_requests // workers) if settings.max_requests else None,
                          read_only=settings.read_only, retry_after_cap=settings.retry_after_cap,
                          concurrency=max(1, -(-settings.concurrency // workers)))
    check_reachable(settings.url, timeout=settings.timeout, session=transport.session)
    spec = load_spec(settings.spec, settings.url, timeout=settings.timeout, session=transport.session,
                     base_dir=Path.cwd())
    need_credential(settings, catalog, spec)
    runner = Runner(settings, catalog, spec, transport)
    runner.redactor.variables.update(secret_variables(settings.token, settings.forbidden_token))  # for curl
    baseline = Baseline.load(settings.baseline, missing_ok=settings.update_baseline) if settings.baseline else None
    return Run(settings, catalog, spec, runner, baseline)


def need_credential(settings: Settings, catalog: Catalog, spec: Spec) -> None:
    """A profile whose operations need a credential never runs without one: a run where everything answered
    401 must not pass."""
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


def share_hypothesis_home() -> None:
    """Hypothesis builds its unicode tables (seconds of CPU) in ./.hypothesis; a conformance run in a fresh
    directory would pay that every time. The example database is off, so only those tables live there."""
    if (Path.cwd() / ".hypothesis").exists() or os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "conformance" / "hypothesis"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(str(home))


def check_writable(settings: Settings) -> None:
    """Every report path given can be written, before the run spends its requests."""
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
    return os.access(directory, os.W_OK)
