"""What a probe asks for, stated as data: a RequestPlan. The builder (builder.py) turns a plan into the one
request that is sent; nothing else edits requests.

A plan names the operation, the resource it aims at (one that exists, one the suite created, or an id that
does not exist), the credential (none, the valid one, an invalid one, the forbidden one, a named channel),
the body (the operation's valid body, JSON, form fields, raw bytes, none), extra headers, and whether the
operation's rules judge the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TYPE_CHECKING

if TYPE_CHECKING:
    from .credentials import Channel
    from .spec import Operation


class Target(str, Enum):
    EXISTING = "existing"  # a resource that exists: listed, given by the user or the spec, or created
    CREATED = "created"  # a resource the suite created (what writes aim at)
    UNKNOWN = "unknown"  # an id that does not exist (the 404 rules)


@dataclass(frozen=True)
class Credential:
    """Which credential travels, and which way. ``channel`` None: the profile's first channel for the method."""

    kind: str = "valid"  # none | valid | invalid | forbidden | unsupported
    channel: "Channel | None" = None
    secret: str | None = None  # for kind "invalid": the made-up credential
    avoid_body: bool = False  # prefer a channel outside the body (the body is the point of the probe)


NONE = Credential("none")
VALID = Credential("valid")


@dataclass(frozen=True)
class Body:
    kind: str  # sample (the operation's valid body) | create (a body to create with) | json | form | multipart
    # (fields, encoded as the operation declares: forms.py) | raw | none
    value: Any = None
    media_type: str | None = None


FIELDS = ("json", "form", "multipart")  # the kinds of body whose value is an object of fields
SAMPLE = Body("sample")
NO_BODY = Body("none")


def json_body(value: Any) -> Body:
    return Body("json", value)


def form_body(fields: dict[str, str]) -> Body:
    return Body("form", fields, "application/x-www-form-urlencoded")


def raw_body(data: bytes, media_type: str) -> Body:
    return Body("raw", data, media_type)


def creation(attempt: int = 0) -> Body:
    """A valid body to create a resource with (the builder makes it: the spec's example, then made-up values)."""
    return Body("create", attempt)


@dataclass
class RequestPlan:
    operation: "Operation"
    kind: str  # "generated", a probe's name, "discovery", "create", "cleanup"
    note: str = ""
    method: str | None = None  # a method other than the operation's (the wrong-method probe)
    target: Target = Target.EXISTING
    values: dict[str, Any] = field(default_factory=dict)  # path parameters the probe fixes itself
    credential: Credential = VALID
    body: Body = SAMPLE
    query: dict[str, Any] = field(default_factory=dict)  # query parameters set (or, with None, removed) on top of...
    sample_query: str = "all"  # ...the valid request's query: all of it, only the "required" parameters, or "none"
    headers: dict[str, str | None] = field(default_factory=dict)  # None removes a header
    origin: bool = True  # an Origin header, where the catalog checks CORS
    judged: bool = True  # the operation's rules judge the answer
    case: Any = None  # a generated schemathesis Case: its query, headers, body (and invalid path values)
    retry_429: bool = True  # False: a 429 comes back at once (the rate-limit probe wants to see it)
    salt: str = ""  # seeds the random choices of a set-up plan (a creation's place in line), not its timing
    broken: bool = False  # wrong on purpose (a malformed body, an id that does not exist): not a valid request

    @property
    def http_method(self) -> str:
        return (self.method or self.operation.method).upper()
