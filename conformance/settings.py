"""One frozen Settings object. Precedence: command line > environment (CONFORMANCE_*) > ini (conformance_*)."""

from __future__ import annotations

import fnmatch
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from .catalog import BASE_PROFILE, BUILTIN_PROFILES
from .errors import UsageError

# name, help, kind ("str" | "int" | "float" | "percent" | "bool" | "path" | "list" | "globs")
OPTIONS: list[tuple[str, str, str]] = [
    ("url", "Base URL of the API under test, e.g. http://127.0.0.1:8000. Without it the plugin does nothing.", "str"),
    ("spec", "OpenAPI description: a path or URL, JSON or YAML. Default: look on the server (/openapi.json, ...).", "str"),
    ("profile", f"Conventions to check: {', '.join(BUILTIN_PROFILES)}, {BASE_PROFILE} (the RFC 9110 base of them all), "
                "or the path of a catalog file.", "str"),
    ("token", "A valid credential (user:password for HTTP Basic profiles). Prefer the environment variable.", "str"),
    ("forbidden-token", "A valid credential that lacks permission, for the 403 rules. Prefer the environment variable.", "str"),
    ("json", "Write the JSON report to this path.", "path"),
    ("html", "Write the HTML report to this path.", "path"),
    ("sarif", "Write a SARIF 2.1.0 report to this path.", "path"),
    ("baseline", "A baseline file of accepted violations: only violations not in it fail the run.", "path"),
    ("update-baseline", "Write the baseline file (--conformance-baseline) from this run's violations.", "bool"),
    ("max-examples", "Generated requests per operation: at most N valid and N/2 invalid ones (default 10).", "int"),
    ("seed", "Seed of the generated requests; a run with the same seed sends the same requests.", "int"),
    ("timeout", "Seconds to wait for each response, body included (default 10).", "float"),
    ("max-rps", "Cap the request rate at this many requests per second.", "float"),
    ("max-requests", "Send at most this many requests in the whole run.", "int"),
    ("concurrency", "Requests in flight at once, for the whole run (default 8; 1 sends one request at a time). "
                    "The same seed sends the same requests and gives the same verdicts whatever this is.", "int"),
    ("read-only", "Send no POST, PUT, PATCH or DELETE: neither generated nor probes.", "bool"),
    ("rate-limit-probe", "Opt-in: send up to N quick requests to one operation to see its 429 (default off).", "int"),
    ("retry-after-cap", "Longest wait, in seconds, when a 429 asks to retry later (default 30).", "float"),
    ("param", "An identifier's value, NAME=VALUE, or PATH_GLOB:NAME=VALUE for some paths only "
              "(/servers/*:server_id=localhost); query:NAME=VALUE or body:NAME=VALUE where the API takes it in the "
              "query or the JSON body and the name alone is ambiguous (a body field that takes an object, an array, a "
              "number or a boolean takes VALUE as JSON: body:rrsets=[]). Repeatable; in the environment separated by "
              "spaces, in the ini file one per line.", "list"),
    ("writable", "PATH_GLOB: a path the suite may write to (PUT, PATCH, DELETE): one naming no resource of its own, "
                 "a singleton (/profile), a resource of your own (/settings/*: writes go to one that exists where the "
                 "suite cannot create one), or a collection the suite may create in "
                 "though the spec gives no DELETE to remove what it created (/v1/prices); never written without it. "
                 "Repeatable; in "
                 "the environment separated by spaces, in the ini file one per line.", "list"),
    ("min-reach", "Fail the run (exit 1) when fewer than this percent of the operations were reached (a valid "
                  "request got a 2xx); 100 is the strict form: every operation not excluded with "
                  "--conformance-reach-exclude. The failure lists the unreached operations and why.", "percent"),
    ("reach-exclude", "Operations --conformance-min-reach does not count, as 'METHOD /path' globs (e.g. 'PUT /profile', "
                      "'* /admin/*'). Repeatable; in the environment separated by commas, in the ini file one per line.",
     "globs"),
    ("shard", "K/N: judge only share K of N (e.g. 2/4), for a run split across CI jobs; each shard writes its JSON "
              "report (--conformance-json) and `conformance merge` makes one report and one exit status of them. "
              "Needs --conformance-seed, the same in every shard.", "str"),
]

def env_name(name: str) -> str:
    return f"CONFORMANCE_{name.replace('-', '_').upper()}"


def ini_name(name: str) -> str:
    return f"conformance_{name.replace('-', '_')}"


def described(name: str, help_text: str) -> str:
    """An option's help as every surface shows it: what it does, and its other two spellings."""
    return f"{help_text} (env {env_name(name)}; ini {ini_name(name)})"


DEFAULTS = {"max-examples": 10, "timeout": 10.0, "retry-after-cap": 30.0, "concurrency": 8}


PLACES = ("path", "query", "body")


@dataclass(frozen=True)
class GivenValue:
    """``[PATH_GLOB:][PLACE:]NAME=VALUE``: the value of the identifier NAME (PLACE: path, query or body; any by
    default), on paths matching the glob."""

    name: str
    value: str
    scope: str | None = None
    place: str | None = None

    @classmethod
    def parse(cls, text: str, origin: str) -> "GivenValue":
        head, sep, value = text.partition("=")
        tokens = head.split(":")
        name = tokens.pop()
        place = tokens.pop() if tokens and tokens[-1] in PLACES else None
        scope = ":".join(tokens) or None
        if not sep or not name.strip() or not value or (scope is not None and not scope.startswith("/")):
            raise UsageError(f"--conformance-param takes NAME=VALUE or PATH_GLOB:NAME=VALUE (e.g. "
                             f"/servers/*:server_id=localhost), with query: or body: before NAME for an identifier the "
                             f"API takes in the query or the JSON body (query:id=...); got {text!r} ({origin}).")
        return cls(name.strip(), value, scope or None, place)

    def matches(self, path: str, name: str, place: str = "path") -> bool:
        return name == self.name and (self.place is None or self.place == place) and (
            self.scope is None or fnmatch.fnmatchcase(path, self.scope))


def parse_given(texts: list[str], origin: str) -> tuple[GivenValue, ...]:
    return tuple(GivenValue.parse(text.strip(), origin) for text in texts if text.strip())


@dataclass(frozen=True)
class Settings:
    url: str
    spec: str | None
    profile: str
    token: str | None
    forbidden_token: str | None
    json: Path | None
    html: Path | None
    sarif: Path | None
    baseline: Path | None
    update_baseline: bool
    max_examples: int
    seed: int
    seed_given: bool
    timeout: float
    max_rps: float | None
    max_requests: int | None
    read_only: bool
    rate_limit_probe: int | None
    retry_after_cap: float
    rootdir: Path
    params: tuple[GivenValue, ...] = ()
    writable: tuple[str, ...] = ()  # path globs the user lets the suite write to (--conformance-writable)
    concurrency: int = 8
    shard: tuple[int, int] | None = None  # (K, N): this run judges share K of N (run.shard_operations)
    min_reach: float | None = None  # percent of the operations (less the excluded) a run must reach to pass
    reach_exclude: tuple[str, ...] = ()  # 'METHOD /path' globs min_reach does not count

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.token, self.forbidden_token) if s]


def _convert(name: str, value: Any, kind: str, origin: str, rootdir: Path) -> Any:
    flag = f"--conformance-{name}"
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise UsageError(f"{flag} takes true or false; got {value!r} ({origin}).")
    if kind == "int":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise UsageError(f"{flag} must be a whole number; got {value!r} ({origin}).") from None
        if number < (0 if name == "seed" else 1):
            raise UsageError(f"{flag} must be {'zero or more' if name == 'seed' else 'at least 1'}; got {number} ({origin}).")
        return number
    if kind == "float":
        try:
            number = float(str(value).strip())
        except ValueError:
            raise UsageError(f"{flag} must be a number; got {value!r} ({origin}).") from None
        if not number > 0:
            raise UsageError(f"{flag} must be greater than 0; got {value!r} ({origin}).")
        return number
    if kind == "percent":
        try:
            number = float(str(value).strip().rstrip("%"))
        except ValueError:
            raise UsageError(f"{flag} takes a percent from 0 to 100 (e.g. 80); got {value!r} ({origin}).") from None
        if not 0 <= number <= 100:
            raise UsageError(f"{flag} takes a percent from 0 to 100; got {value!r} ({origin}).")
        return number
    if kind == "globs":
        texts = value if isinstance(value, (list, tuple)) else str(value).split(",")
        return tuple(t.strip() for t in texts if str(t).strip())
    if kind == "list":
        texts = value if isinstance(value, (list, tuple)) else re.split(r"\s+", str(value))
        if name == "writable":
            globs = tuple(str(t).strip() for t in texts if str(t).strip())
            bad = [g for g in globs if not g.startswith("/")]
            if bad:
                raise UsageError(f"{flag} takes a path glob such as /profile or /users/me/*; got {bad[0]!r} ({origin}).")
            return globs
        return parse_given([str(t) for t in texts], origin)
    if kind == "path":
        path = Path(str(value))
        return path if path.is_absolute() else Path.cwd() / path
    return str(value)


def resolve_settings(get_cli: Callable[[str], Any], get_ini: Callable[[str], Any], rootdir: Path,
                     environ: dict[str, str] | None = None) -> Settings | None:
    """Settings from the three sources, or None when no URL is given (the plugin then does nothing)."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, _, kind in OPTIONS:
        key = name.replace("-", "_")
        env = env_name(name)
        raw, origin = get_cli(key), "from the command line"
        if raw in (None, False) and environ.get(env) not in (None, ""):
            raw, origin = environ[env], f"from the environment variable {env}"
        if raw in (None, False):
            ini = get_ini(f"conformance_{key}")
            if ini not in (None, "", []):
                raw, origin = ini, f"from the ini option conformance_{key}"
        if raw in (None, False, "", []):
            values[key] = DEFAULTS.get(name, False if kind == "bool" else () if kind in ("list", "globs") else None)
        else:
            values[key] = _convert(name, raw, kind, origin, rootdir)
            origins[key] = origin
    if not values["url"]:
        return None
    url = values["url"].rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        hint = f" Did you mean 'http://{url}'?" if "://" not in url else ""
        raise UsageError(f"--conformance-url must be an absolute http(s) URL such as http://127.0.0.1:8000; "
                         f"got {url!r}.{hint}")
    if not values["profile"]:
        raise UsageError(f"Name the conventions to check with --conformance-profile: {', '.join(BUILTIN_PROFILES)}, "
                         f"{BASE_PROFILE} (the RFC 9110 base of them all), or the path of a catalog file.")
    if values["update_baseline"] and not values["baseline"]:
        raise UsageError("--conformance-update-baseline needs --conformance-baseline=FILE to know where to write.")
    shard = parse_shard(values["shard"], origins.get("shard", "")) if values["shard"] else None
    if shard is not None:
        need_for_shard(values)
    seed_given = values["seed"] is not None
    seed = values["seed"] if seed_given else random.SystemRandom().randrange(1, 2**31)
    return Settings(
        url=url, spec=values["spec"], profile=values["profile"], token=values["token"],
        forbidden_token=values["forbidden_token"], json=values["json"], html=values["html"], sarif=values["sarif"],
        baseline=values["baseline"], update_baseline=values["update_baseline"],
        max_examples=values["max_examples"], seed=seed, seed_given=seed_given, timeout=values["timeout"],
        max_rps=values["max_rps"], max_requests=values["max_requests"], read_only=values["read_only"],
        rate_limit_probe=values["rate_limit_probe"], retry_after_cap=values["retry_after_cap"], rootdir=rootdir,
        params=values["param"], writable=values["writable"], concurrency=values["concurrency"], shard=shard, min_reach=values["min_reach"],
        reach_exclude=values["reach_exclude"],
    )


def parse_shard(text: str, origin: str) -> tuple[int, int]:
    """``K/N`` -> (K, N), 1 <= K <= N; anything else is one sentence."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None:
        raise UsageError(f"--conformance-shard takes K/N, share K of N shares (e.g. 2/4); got {text!r} ({origin}).")
    k, n = int(match[1]), int(match[2])
    if n < 1:
        raise UsageError(f"--conformance-shard={text}: N, the number of shares, must be at least 1 ({origin}).")
    if not 1 <= k <= n:
        raise UsageError(f"--conformance-shard={text}: K must be between 1 and N ({n}); shares are numbered 1 to "
                         f"{n} ({origin}).")
    return k, n


def need_for_shard(values: dict[str, Any]) -> None:
    """A shard is one part of a run: it needs the seed every shard shares and a JSON report for the merge, and
    cannot write a baseline from its share alone."""
    if values["seed"] is None:
        raise UsageError("--conformance-shard needs --conformance-seed (or CONFORMANCE_SEED), the same in every "
                         "shard, so that the shards are parts of one run (in GitHub Actions: ${{ github.run_id }}).")
    if not values["json"]:
        raise UsageError("--conformance-shard needs --conformance-json=PATH: `conformance merge` reads each "
                         "shard's JSON report.")
    if values["update_baseline"]:
        raise UsageError("--conformance-update-baseline cannot go with --conformance-shard: a shard sees only its "
                         "share; pass --update-baseline to `conformance merge` instead.")
