"""The domain nouns: what was sent, what came back, where its path values came from, what a rule concluded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Where a path parameter's value came from. The first five are resources known to exist; the last two
# are not, so an answer about them says nothing about the resource the operation is about.
USER, SPEC, LISTED, SEEN, CREATED = "user", "spec", "listed", "seen", "created"
UNKNOWN, INVENTED = "unknown", "invented"
REAL_SOURCES = frozenset({USER, SPEC, LISTED, SEEN, CREATED})


@dataclass(frozen=True)
class PathValue:
    """One identifier's value and where it came from (``detail`` names the operation or the option): a path
    parameter, or a query parameter or JSON body field that names a resource (``place``)."""

    value: Any
    source: str
    detail: str = ""
    place: str = "path"  # where the request carries it: path, query (a query parameter) or body (a JSON field)

    @property
    def real(self) -> bool:
        return self.source in REAL_SOURCES

    @property
    def names_a_resource(self) -> bool:
        """The value was listed, seen, created or given: a resource's. A value from the spec (an example, a
        default) shows what the parameter takes, not that it names a resource (httpbin's /base64/{value})."""
        return self.source in (USER, LISTED, SEEN, CREATED)

    def describe(self) -> str:
        return {
            USER: "given with --conformance-param",
            SPEC: f"the spec's {self.detail or 'example'}",
            LISTED: f"listed by {self.detail}",
            SEEN: f"seen in the answer to {self.detail}",
            CREATED: f"created by {self.detail}",
            UNKNOWN: "an id that does not exist" + (f" ({self.detail})" if self.detail else ""),
            INVENTED: "invented, not known to exist" + (f" ({self.detail})" if self.detail else ""),
        }.get(self.source, self.source)


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    @property
    def is_write(self) -> bool:
        return self.method.upper() in {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]  # lower-cased names; repeated headers are kept
    body: bytes
    elapsed: float = 0.0
    truncated: bool = False
    reason: str = ""  # the reason phrase of the status line

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The decoded body, or raises ValueError."""
        return json.loads(self.body)

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None


@dataclass
class Exchange:
    """One request and what came back (a response, or a transport error), with what the request was for."""

    kind: str  # "generated" or the probe name, e.g. "no-credentials"
    request: Request
    response: Response | None = None
    error: str | None = None
    note: str = ""  # what this request is for, e.g. "valid credential in query `token`"
    case: Any = None  # the schemathesis Case of a generated request (the schema rules validate against it)
    operation: str = ""  # the label of the operation the request went to ("" for a method the path lacks)
    judged: bool = True  # the rules of the operation under test judge it (False: set-up and sequence steps)
    target: str = "existing"  # existing | created | unknown: the resource the request was aimed at
    values: dict[str, PathValue] = field(default_factory=dict)  # its path parameters
    credential: str = "valid"  # none | valid | invalid | forbidden | unsupported
    channel: str = ""  # how that credential travelled (e.g. "in the header Authorization"), "" where none did
    prepared: Any = None  # the requests.PreparedRequest that was sent
    sent: bool = True  # False: never sent (the API had stopped answering)
    # the JSON bodies of this run's earlier writes the API accepted to this URL, a parent or a child of it: what
    # the suite itself stored there (an answer may carry it back; see transport.sender.WriteLedger)
    written: tuple[Any, ...] = ()

    @property
    def ok(self) -> bool:
        return self.response is not None and 200 <= self.response.status < 300

    @property
    def status_text(self) -> str:
        return str(self.response.status) if self.response is not None else f"no answer ({self.error})"

    @property
    def unreached(self) -> bool:
        """Answered 404 or 410 where the resource should exist: the answer is about the path, not about what the
        request carried (its credential, its body). A deliberate unknown id is not unreached; nor is a method
        the path lacks (the wrong-method probe, HEAD, a preflight) sent to a resource known to exist."""
        return (self.response is not None and self.response.status in (404, 410) and self.target != "unknown"
                and (bool(self.operation) or bool(self.invented)))

    @property
    def invented(self) -> list[str]:
        """The path parameters whose value is not known to exist."""
        return [name for name, value in self.values.items() if not value.real and value.source != UNKNOWN]


@dataclass
class Violation:
    message: str
    exchange: Exchange | None = None
    critical: bool = False  # e.g. an operation that ignores authentication


class Skip(Exception):
    """A check could not judge: says why (never a pass)."""


class UnusableDefinition(Exception):
    """The spec's definition of an operation cannot be used to draw requests (schemathesis rejects it while
    drawing, e.g. ``type: int``): a finding about the spec, once per operation, not one per rule."""


class NotApplicable(Exception):
    """The rule does not apply to this operation."""


@dataclass
class Verdict:
    rule: Any  # the catalog Rule, overrides applied
    operation: str
    status: str  # passed | failed | skipped | not-applicable
    reason: str = ""
    violations: list[Violation] = field(default_factory=list)
    violation_count: int = 0
    judged: int = 0

    @property
    def critical(self) -> bool:
        return any(v.critical for v in self.violations)
