"""Reach on real APIs: for how many operations of a spec does at least one request get a 2xx answer?

Measures schemathesis alone (its CLI, `st run`, default phases) against the real API servers that
`../shared/realworld/recipes/start_targets.sh` starts on 127.0.0.1, and, when asked, our plugin on the same target.
An operation counts as reached when at least one request sent to it was answered with a 2xx. Unreached operations
are where a tool sends requests that never get past validation, auth or a missing parent resource, so every rule
about a successful answer has nothing to judge there.

    .venv/bin/python bench/reach.py                          # schemathesis on every target
    .venv/bin/python bench/reach.py -t kinto -t pdns -v       # two targets, and list the unreached operations
    .venv/bin/python bench/reach.py --ours                    # also run our plugin (profile from the table)
    .venv/bin/python bench/reach.py --ours-json kinto=/tmp/k.json   # read a report of ours instead of running it

With --ours, a target whose hints name what only the user can give (`user_input` in TARGETS: a collection to
create in though the spec gives no DELETE, the body fields the API wants) is run once more with those options,
in a column of its own; where only resources the user makes before the run reach an operation (`fixtures`: a
Stripe card, dispute and subscription item), that run is given their ids as well. Where the server implements
only part of its spec (stripe-stateful-mock), each count also says how many of the operations it implements were
reached (`implemented`).

Our column reads `summary.reach` = {"reached": N, "operations": M, "by_operation": {...}} from our JSON report;
"n/a" when the report has none. The targets must be running: `bash ../shared/realworld/recipes/start_targets.sh
NAME` (do not stop them, other people use them).

Both tools write to the targets (POST, PUT, DELETE). Around each run the script puts back the recipe's seed data
that a run deletes (Kinto's admin account and bucket, the PowerDNS zone) and removes what a run leaves running
(Jupyter terminals): see `restore` and `cleanup` in TARGETS. json-server keeps whatever is written in its db.json,
which nothing here can undo: its numbers depend on what earlier runs left there.

Schemathesis' responses are counted by bench/st_reach_hook.py, an `after_call` hook (SCHEMATHESIS_HOOKS), which
counts the same as the interactions of `--report ndjson` without writing every response body to disk.

The credentials in TARGETS are the public test credentials of the recipes. They reach schemathesis on its command
line (-H / --auth) and our plugin through CONFORMANCE_TOKEN; this script never prints them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO.parent / "shared" / "realworld" / "specs"  # ../shared beside the checkout (or the worktree)
CATALOGS = REPO / "bench" / "catalogs"
BIN = Path(sys.executable).parent
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Target:
    name: str
    url: str                       # base URL, the spec's base path included (both tools take it as is)
    spec: str                      # a file under SPECS, or the URL where the server serves its own description
    profile: str                   # ours: a built-in profile, or a catalog file (*.yaml) in bench/catalogs
    token: str | None = None       # ours: --conformance-token (user:password for basic profiles)
    forbidden: str | None = None   # ours: --conformance-forbidden-token, where the recipe has a user without rights
    st_auth: tuple[str, ...] = ()  # schemathesis: how the same credential travels; {token} is replaced
    st_extra: tuple[str, ...] = ()
    ours_extra: tuple[str, ...] = ()
    # What only the user can give, as the hints of a run without it name it (--conformance-writable for a
    # collection the spec gives no DELETE for, --conformance-param for the body fields the API wants): ours is run
    # once more with these, and both figures are printed.
    user_input: tuple[str, ...] = ()
    # The resources a user would make before the run (a CI job's seed step) where only they can (a Stripe card, a
    # disputed charge, a subscription's item: nothing in the spec lists or creates them where the suite looks), as a
    # function of the target giving more user input (--conformance-param with their ids), or None.
    fixtures: Any = None
    # The operations the server implements, where it implements only some of its spec (stripe-stateful-mock): a
    # function of the target giving "METHOD /path/{}" keys (parameters unnamed), or None.
    implemented: Any = None
    # The recipe's seed data that a run may have deleted, put back before and after each tool runs, so that reruns
    # compare and the next user finds the target as the recipe left it: (method, path under url, JSON body), sent
    # with the credential as st_auth says. A PUT only creates (If-None-Match: *); a POST marked "+" is sent only
    # when the PUT before it created its parent (the records of a collection that was gone).
    restore: tuple[tuple[str, str, Any], ...] = ()
    # Things a run starts that keep running on the server (Jupyter terminals spawn shells): (list path, item path
    # with {id}, id field). What a run added to the list is deleted after it.
    cleanup: tuple[tuple[str, str, str], ...] = ()


def stripe_mock_routes(target: "Target") -> set[str] | None:
    """The routes stripe-stateful-mock serves (its Express router, as the recipe installed it under $RW):
    "POST /v1/prices/{}"; None where it is not installed there."""
    routes = Path(os.environ.get("RW", "/tmp/rw-targets")) / "npm-ssm/node_modules/stripe-stateful-mock/dist/routes.js"
    try:
        text = routes.read_text(encoding="utf-8")
    except OSError:
        return None
    # a route commented out ("// TODO: routes.post(...)") is not served
    found = re.findall(r'^\s*routes\.(get|post|put|patch|delete)\("(/v1/[^"]+)"', text, re.M)
    return {f"{method.upper()} {re.sub(r':[A-Za-z_]+', '{}', path)}" for method, path in found}


def stripe_fixtures(target: "Target") -> tuple[str, ...]:
    """What a Stripe user gives for the operations no listing or creation of the spec reaches on stripe-mock: a
    customer's card (read at /cards/{id}, created through /sources), a disputed charge's dispute (the mock opens one
    for the test token tok_createDispute, a moment later) and a subscription's item (made with the subscription)."""
    import requests

    headers, auth = _credential(target)

    def post(path: str, **form: Any) -> dict[str, Any]:
        response = requests.post(target.url + path, data=form, headers=headers, auth=auth, timeout=10)
        response.raise_for_status()
        return response.json()

    customer = post("/v1/customers", description="reach fixture")["id"]
    card = post(f"/v1/customers/{customer}/sources", source="tok_visa")["id"]
    product = post("/v1/products", name="reach fixture")["id"]
    plan = post("/v1/plans", amount=100, currency="usd", interval="month", product=product)["id"]
    item = post("/v1/subscriptions", customer=customer, **{"items[0][plan]": plan})["items"]["data"][0]["id"]
    charge = post("/v1/charges", amount=100, currency="usd", source="tok_createDispute")["id"]
    dispute = None
    for _ in range(20):
        dispute = requests.get(f"{target.url}/v1/charges/{charge}", headers=headers, auth=auth, timeout=10).json() \
            .get("dispute")
        if dispute:
            break
        time.sleep(0.1)
    return ("--conformance-param=/v1/customers/*/cards/*:customer=" + customer,
            "--conformance-param=/v1/customers/*/cards/*:id=" + card,
            "--conformance-param=/v1/subscription_items/*:item=" + item,
            "--conformance-writable=/v1/subscription_items/*",
            *(("--conformance-param=dispute=" + dispute,) if dispute else ()))


# One row per target: the lead reruns the benchmark from here. Ports are start_targets.sh's (OFF=0).
TARGETS: tuple[Target, ...] = (
    Target("json-server", "http://127.0.0.1:3000", "json-server-0.17.4.db.openapi.json", "json-server.yaml",
           user_input=("--conformance-writable=/profile",)),  # the singleton PUT /profile: the user's to allow
    Target("kinto", "http://127.0.0.1:8888/v1", "kinto-26.5.0.swagger.json", "basic-crud",
           token="admin:s3cret", forbidden="alice:alicepw", st_auth=("--auth", "{token}"),
           restore=(("PUT", "/accounts/admin", {"data": {"password": "s3cret"}}),  # st's run deletes it
                    ("PUT", "/buckets/b1", {"permissions": {"read": ["system.Everyone"]}}),
                    ("PUT", "/buckets/b1/collections/c1", {}),
                    *(("POST+", "/buckets/b1/collections/c1/records", {"data": {"n": i}}) for i in range(1, 8)))),
    Target("jupyter", "http://127.0.0.1:8890", "jupyter-server-2.21.1.swagger.yaml", "jupyter.yaml",
           token="jtoken", st_auth=("-H", "Authorization: token {token}"),
           cleanup=(("/api/terminals", "/api/terminals/{id}", "name"), ("/api/kernels", "/api/kernels/{id}", "id"),
                    ("/api/sessions", "/api/sessions/{id}", "id"))),
    Target("pdns", "http://127.0.0.1:8081/api/v1", "powerdns-auth-4.7.3.swagger.yaml", "powerdns.yaml",
           token="pdnskey", st_auth=("-H", "X-API-Key: {token}"),
           # the fields its hints ask for: a zone's PATCH wants its rrsets (none is fine), a TSIG key an algorithm
           user_input=("--conformance-param=/servers/*/zones/*:body:rrsets=[]",
                       "--conformance-param=/servers/*/tsigkeys:body:algorithm=hmac-sha256"),
           restore=(("POST", "/servers/localhost/zones",
                     {"name": "example.org.", "kind": "Native", "nameservers": ["ns1.example.org."]}),)),
    Target("stripe-mock", "http://127.0.0.1:8010", "stripe-spec3.apisguru.json", "connectnow",
           token="sk_test_reach", st_auth=("-H", "Authorization: Bearer {token}"), implemented=stripe_mock_routes,
           # prices, charges, refunds and tax rates cannot be deleted; a charge wants a card token, an amount of
           # at least 50 cents (the spec says so in prose only) and, to be captured later, capture=false
           user_input=("--conformance-writable=/v1/charges", "--conformance-writable=/v1/prices",
                       "--conformance-writable=/v1/refunds", "--conformance-writable=/v1/tax_rates",
                       "--conformance-param=/v1/charges:body:source=tok_visa",
                       "--conformance-param=/v1/charges:body:amount=100",
                       "--conformance-param=/v1/charges:body:capture=false",
                       "--conformance-param=/v1/customers/*/sources:body:source=tok_visa"),
           fixtures=stripe_fixtures),
    Target("fastapi", "http://127.0.0.1:8002", "http://127.0.0.1:8002/openapi.json", "connectnow",
           token="admin-token", forbidden="reader-token", st_auth=("-H", "Authorization: Bearer {token}")),
    Target("drf", "http://127.0.0.1:8004", "http://127.0.0.1:8004/api/schema/?format=json", "drf.yaml",
           token="alicetoken", forbidden="bobtoken", st_auth=("-H", "Authorization: Token {token}")),
    Target("httpbin", "http://127.0.0.1:8001", "httpbin-0.10.4.swagger.json", "connectnow",
           # echo endpoints that name no resource: the user's to let the suite write to; and the status code
           # /status/{codes} answers with, which nothing in the spec names or creates (its hints ask for both)
           user_input=(*(f"--conformance-writable={p}" for p in ("/anything", "/put", "/patch", "/delete", "/status/*")),
                       "--conformance-param=codes=200")),
)


@dataclass
class Reach:
    """What one tool reached on one target."""

    reached: set[str] = field(default_factory=set)
    requests: int = 0
    wall: float = 0.0
    returncode: int | None = None
    note: str = ""               # why a number is missing
    reported: int | None = None  # ours: summary.reach.reached as the report says it
    errored: int | None = None   # schemathesis: operations it could not test (its JSON report's operations.errored)


def spec_location(target: Target) -> str:
    return target.spec if "://" in target.spec else str(SPECS / target.spec)


def profile_location(target: Target) -> str:
    return str(CATALOGS / target.profile) if target.profile.endswith(".yaml") else target.profile


def operations(target: Target) -> list[str]:
    """The operations of the spec as both tools label them: METHOD and the path as written in the spec."""
    location = spec_location(target)
    if "://" in location:
        import requests

        text = requests.get(location, timeout=30).text
    else:
        text = Path(location).read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except ValueError:
        import yaml

        raw = yaml.safe_load(text)
    return sorted(f"{method.upper()} {path}" for path, item in (raw.get("paths") or {}).items()
                  if isinstance(item, dict) for method in item if method in HTTP_METHODS)


def _credential(target: Target) -> tuple[dict[str, str], tuple[str, str] | None]:
    """The target's credential as request headers or basic auth, the way st_auth sends it."""
    headers: dict[str, str] = {}
    auth = None
    if target.st_auth[:1] == ("--auth",):
        user, _, password = (target.token or "").partition(":")
        auth = (user, password)
    elif target.st_auth[:1] == ("-H",):
        name, _, value = target.st_auth[1].replace("{token}", target.token or "").partition(":")
        headers[name.strip()] = value.strip()
    return headers, auth


def running(target: Target) -> dict[str, set[str]]:
    """The ids now in each cleanup list."""
    import requests

    headers, auth = _credential(target)
    found: dict[str, set[str]] = {}
    for listing, _, key in target.cleanup:
        try:
            items = requests.get(target.url + listing, headers=headers, auth=auth, timeout=10).json()
            found[listing] = {str(item[key]) for item in items if isinstance(item, dict) and key in item}
        except (requests.RequestException, ValueError, TypeError):
            found[listing] = set()
    return found


def clean_up(target: Target, before: dict[str, set[str]]) -> None:
    """Delete what the run added to the cleanup lists."""
    import requests

    headers, auth = _credential(target)
    for (listing, item, _), (_, now) in zip(target.cleanup, running(target).items()):
        for ident in sorted(now - before.get(listing, set())):
            try:
                requests.delete(target.url + item.replace("{id}", ident), headers=headers, auth=auth, timeout=10)
                print(f"{target.name}: removed {item.replace('{id}', ident)}, left running by the run", file=sys.stderr)
            except requests.RequestException:
                pass


@contextlib.contextmanager
def tidy(target: Target) -> Iterator[None]:
    """Around one tool's run: the recipe's seed data in place before and after, what the run left running removed."""
    restore_seed(target)
    before = running(target)
    try:
        yield
    finally:
        clean_up(target, before)
        restore_seed(target)


def restore_seed(target: Target) -> None:
    """Put back what the recipe created, without touching what is there: PUT only if absent, POST may be refused."""
    if not target.restore:
        return
    import requests

    headers, auth = _credential(target)
    headers["Content-Type"] = "application/json"
    created = False
    for method, path, body in target.restore:
        if method.endswith("+"):
            if not created:
                continue
            method = method[:-1]
        extra = {"If-None-Match": "*"} if method == "PUT" else {}
        try:
            response = requests.request(method, target.url + path, json=body, headers={**headers, **extra},
                                        auth=auth, timeout=10)
        except requests.RequestException as exc:
            print(f"{target.name}: could not restore {method} {path}: {type(exc).__name__}", file=sys.stderr)
            continue
        if method == "PUT":
            created = response.status_code == 201
        if response.status_code in (200, 201):
            print(f"{target.name}: restored {method} {path}", file=sys.stderr)


def redact(text: str, target: Target) -> str:
    import base64

    for secret in (target.token, target.forbidden):
        if secret:
            text = text.replace(secret, "[REDACTED]")
            text = text.replace(base64.b64encode(secret.encode()).decode(), "[REDACTED]")
    return text


def last_lines(text: str, target: Target, n: int = 3) -> str:
    lines = [line.strip() for line in redact(text, target).splitlines() if line.strip()]
    return " | ".join(lines[-n:])


def run_schemathesis(target: Target, work: Path, *, max_examples: int, seed: int, timeout: float) -> Reach:
    """`st run` with default phases; reached = operations with a 2xx among the responses bench/st_reach_hook.py saw.

    The hook writes one line per response. It counts the same as the interactions of `--report ndjson` (checked
    on PowerDNS: 1868 responses, the same status per operation), without writing every response body to disk,
    which is gigabytes on the Stripe spec."""
    log = work / "st-reach.tsv"
    report = work / "st-report.json"
    argv = [str(BIN / "st"), "run", spec_location(target), "--url", target.url, "--max-examples", str(max_examples),
            "--seed", str(seed), "--checks", "not_a_server_error", "--workers", "1", "--no-color",
            "--report", "json", "--report-json-path", str(report),
            *(a.replace("{token}", target.token or "") for a in target.st_auth), *target.st_extra]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "st_reach_hook", "REACH_ST_LOG": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "bench"), os.environ.get("PYTHONPATH")]))}
    result = Reach()
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
        result.returncode = done.returncode
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        result.note = f"stopped after {timeout:g} s"
        output = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    result.wall = time.perf_counter() - started
    (work / "st.log").write_text(redact(output, target), encoding="utf-8")
    try:
        result.errored = (json.loads(report.read_text(encoding="utf-8")).get("operations") or {}).get("errored")
    except (OSError, ValueError):
        pass
    if not log.exists():
        result.note = result.note or f"no response recorded (exit {result.returncode}): {last_lines(output, target)}"
        return result
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            method, path, sent, status = line.rstrip("\n").split("\t")
            result.requests += 1
            if sent == method and status.isdigit() and 200 <= int(status) < 300:
                result.reached.add(f"{method} {path}")
    return result


def run_ours(target: Target, work: Path, *, max_examples: int, seed: int, timeout: float,
             extra: tuple[str, ...] = (), name: str = "ours") -> tuple[Reach, Path]:
    """Our plugin in an empty directory; the credentials go through the environment, not the command line."""
    report = work / f"{name}.json"
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header",
            f"--conformance-url={target.url}", f"--conformance-spec={spec_location(target)}",
            f"--conformance-profile={profile_location(target)}", f"--conformance-json={report}",
            f"--conformance-max-examples={max_examples}", f"--conformance-seed={seed}", *target.ours_extra, *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    if target.token:
        env["CONFORMANCE_TOKEN"] = target.token
    if target.forbidden:
        env["CONFORMANCE_FORBIDDEN_TOKEN"] = target.forbidden
    result = Reach()
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
        result.returncode, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired:
        result.note, output = f"stopped after {timeout:g} s", ""
    result.wall = time.perf_counter() - started
    (work / f"{name}.log").write_text(redact(output, target), encoding="utf-8")
    if not report.exists() and not result.note:
        result.note = f"no report (exit {result.returncode}): {last_lines(output, target)}"
    return result, report


def read_ours(path: Path, result: Reach | None = None) -> Reach:
    """summary.reach of our JSON report, when it has one."""
    result = result or Reach()
    try:
        summary = json.loads(path.read_text(encoding="utf-8")).get("summary") or {}
    except (OSError, ValueError) as exc:
        result.note = result.note or f"cannot read {path}: {exc}"
        return result
    result.requests = summary.get("requests") or 0
    result.wall = result.wall or summary.get("duration_s") or 0.0
    reach = summary.get("reach")
    if not isinstance(reach, dict):
        result.note = result.note or "the report has no summary.reach"
        return result
    by_operation = reach.get("by_operation") or {}
    result.reached = {label for label, entry in by_operation.items() if isinstance(entry, dict) and entry.get("reached")}
    result.reported = reach.get("reached")
    return result


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _unnamed(label: str) -> str:
    """"GET /v1/prices/{price}" -> "GET /v1/prices/{}": a route whatever its parameters are called."""
    return re.sub(r"\{[^}]+\}", "{}", label)


def share(reached: set[str], ops: list[str]) -> str:
    n = len(reached & set(ops))
    return f"{n} ({100 * n / len(ops):.0f}%)" if ops else str(n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = [t.name for t in TARGETS]
    parser.add_argument("-t", "--target", action="append", choices=names, help="only this target (repeatable)")
    parser.add_argument("--max-examples", type=int, default=10, help="schemathesis --max-examples (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="the seed of both tools (default 1)")
    parser.add_argument("--ours", action="store_true", help="also run our plugin with the target's profile")
    parser.add_argument("--ours-max-examples", type=int, default=5, help="--conformance-max-examples (default 5)")
    parser.add_argument("--ours-json", action="append", default=[], metavar="TARGET=PATH",
                        help="read our JSON report for TARGET from PATH instead of running it (repeatable)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds each run may take (default 1800)")
    parser.add_argument("--keep", type=Path, help="keep every run's reports and logs in this folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the operations each tool did not reach")
    args = parser.parse_args(argv)

    given: dict[str, Path] = {}
    for item in args.ours_json:
        name, _, path = item.partition("=")
        if name not in names or not path:
            parser.error(f"--ours-json={item}: expected TARGET=PATH with TARGET one of {', '.join(names)}")
        given[name] = Path(path)
    chosen = [t for t in TARGETS if not args.target or t.name in args.target]
    show_ours = args.ours or bool(given)

    rows, details = [], []
    for target in chosen:
        work = Path(tempfile.mkdtemp(prefix=f"reach-{target.name}-"))
        try:
            try:
                ops = operations(target)
            except Exception as exc:  # the spec is a file or a live URL: one line, the other targets go on
                rows.append([target.name, target.spec, "-", f"spec unreadable: {exc}", "-", "-", "-"]
                            + (["-"] if show_ours else []))
                continue
            print(f"[{time.strftime('%H:%M:%S')}] {target.name}: schemathesis on {len(ops)} operations ...",
                  file=sys.stderr, flush=True)
            with tidy(target):
                st = run_schemathesis(target, work, max_examples=args.max_examples, seed=args.seed,
                                      timeout=args.timeout)
            row = [target.name, target.spec if "://" in target.spec else Path(target.spec).name, str(len(ops)),
                   share(st.reached, ops) + (f" [{st.note}]" if st.note else ""),
                   "-" if st.errored is None else str(st.errored), str(st.requests), f"{st.wall:.0f}"]
            ours: Reach | None = None
            if target.name in given:
                ours = read_ours(given[target.name])
            elif args.ours:
                print(f"[{time.strftime('%H:%M:%S')}] {target.name}: ours ...", file=sys.stderr, flush=True)
                with tidy(target):
                    ours, report = run_ours(target, work, max_examples=args.ours_max_examples, seed=args.seed,
                                            timeout=args.timeout)
                ours = read_ours(report, ours) if report.exists() else ours
            given_input: Reach | None = None
            if args.ours and target.user_input:
                print(f"[{time.strftime('%H:%M:%S')}] {target.name}: ours with the user's input ...", file=sys.stderr,
                      flush=True)
                with tidy(target):
                    extra = target.user_input + (target.fixtures(target) if target.fixtures else ())
                    given_input, report = run_ours(target, work, max_examples=args.ours_max_examples, seed=args.seed,
                                                   timeout=args.timeout, extra=extra, name="ours-input")
                given_input = read_ours(report, given_input) if report.exists() else given_input
            implemented = target.implemented(target) if target.implemented else None
            if show_ours:
                for column, result in enumerate((ours, given_input)):
                    if result is None:
                        row.append("-" if column else "n/a")
                    elif result.reported is None and not result.reached:
                        row.append("n/a" + (f" [{result.note}]" if result.note else ""))
                    else:
                        count = share(result.reached, ops) if result.reached else f"{result.reported} (report)"
                        if implemented is not None:
                            served = [op for op in ops if _unnamed(op) in implemented]
                            count += f" ({len([op for op in served if op in result.reached])} of the {len(served)} " \
                                     "it implements)"
                        row.append(f"{count}, {result.requests} req, {result.wall:.0f} s")
                if implemented is not None:
                    served = [op for op in ops if _unnamed(op) in implemented]
                    row[3] += f" ({len([op for op in served if op in st.reached])} of the {len(served)} it implements)"
            rows.append(row)
            if args.verbose:
                details.append(f"{target.name}: schemathesis did not reach "
                               + (", ".join(op for op in ops if op not in st.reached) or "-"))
                for label, result in (("ours", ours), ("ours with the user's input", given_input)):
                    if result is not None and (result.reached or result.reported is not None):
                        missed = [op for op in ops if op not in result.reached]
                        if implemented is not None:
                            missed = [op for op in missed if _unnamed(op) in implemented]
                            label += " (of the operations the server implements)"
                        details.append(f"{target.name}: {label} did not reach " + (", ".join(missed) or "-"))
        finally:
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copytree(work, args.keep / target.name, dirs_exist_ok=True)
            shutil.rmtree(work, ignore_errors=True)

    headers = ["target", "spec", "operations", "schemathesis reached", "st errored", "st requests", "st wall s"]
    print(table(headers + (["ours reached", "ours with the user's input"] if show_ours else []), rows))
    print(f"\nschemathesis {_st_version()}: st run, default phases, --max-examples {args.max_examples}, "
          f"--seed {args.seed}, --checks not_a_server_error, --workers 1; reached = at least one 2xx answer; "
          f"st errored = operations schemathesis could not test (e.g. a schema it cannot generate from).")
    if details:
        print("\n" + "\n".join(details))
    return 0


def _st_version() -> str:
    try:
        from importlib.metadata import version

        return version("schemathesis")
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
