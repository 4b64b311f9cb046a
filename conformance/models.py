"""The domain nouns: what was sent, what came back, what a rule concluded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


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
    """One request and what came back (a response, or a transport error)."""

    kind: str  # "generated" or the probe name, e.g. "no-credentials"
    request: Request
    response: Response | None = None
    error: str | None = None
    note: str = ""  # what this request is for, e.g. "valid credential in query `token`"
    case: Any = None  # the schemathesis Case, for generated requests
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Violation:
    message: str
    exchange: Exchange | None = None
    critical: bool = False  # e.g. an operation that ignores authentication


class Skip(Exception):
    """A check could not judge: says why (never a pass)."""


class NotApplicable(Exception):
    """The rule does not apply to this operation."""
