"""How a credential travels, as the catalog's ``auth`` block says: header, query or body channels."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from typing import Any

from .errors import UsageError


@dataclass(frozen=True)
class Channel:
    location: str  # header | query | body
    name: str
    format: str = "{token}"
    methods: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Channel:
        return cls(data["in"], data["name"], data.get("format", "{token}"), tuple(m.upper() for m in data.get("methods", ())))

    def serves(self, method: str) -> bool:
        return not self.methods or method.upper() in self.methods

    def describe(self) -> str:
        where = {"header": "the header", "query": "the query parameter", "body": "the body field"}[self.location]
        return f"in {where} {self.name}"

    def value(self, secret: str) -> str:
        basic = base64.b64encode(secret.encode()).decode()
        return self.format.replace("{token}", secret).replace("{basic}", basic)

    def apply(self, draft: Any, secret: str) -> None:
        """Put the credential into a request being built (the builder's Draft: headers, query, body fields)."""
        value = self.value(secret)
        if self.location == "header":
            draft.headers[self.name] = value
        elif self.location == "query":
            draft.query[self.name] = value
        else:
            draft.add_body_field(self.name, value)


@dataclass(frozen=True)
class Credentials:
    channels: tuple[Channel, ...]
    unsupported: tuple[Channel, ...]
    basic: bool

    @classmethod
    def from_catalog(cls, auth: dict[str, Any]) -> Credentials:
        channels = tuple(Channel.from_dict(c) for c in auth.get("channels", ()))
        unsupported = tuple(Channel.from_dict(c) for c in auth.get("unsupported_channels", ()))
        basic = auth.get("scheme") == "basic" or any("{basic}" in c.format for c in channels)
        return cls(channels, unsupported, basic)

    def for_method(self, method: str) -> list[Channel]:
        return [c for c in self.channels if c.serves(method)]

    def primary(self, method: str, *, avoid_body: bool = False) -> Channel | None:
        channels = self.for_method(method)
        if avoid_body:
            channels = [c for c in channels if c.location != "body"] or channels
        return channels[0] if channels else None

    def names(self) -> set[str]:
        return {c.name for c in self.channels + self.unsupported}

    def validate(self, secret: str | None, option: str) -> None:
        if secret and self.basic and ":" not in secret:
            raise UsageError(f"{option} must be 'user:password' for this profile (HTTP Basic); got a value without ':'.")

    def invalid(self, secret: str | None, rng: random.Random) -> str:
        """A credential of the right form that no server has issued."""
        if self.basic:
            user = (secret or "conformance").partition(":")[0]
            return f"{user}:wrong-{rng.getrandbits(32):08x}"
        return f"conformance-invalid-{rng.getrandbits(64):016x}"


@dataclass
class CredentialCheck:
    """Whether the API accepts the valid credential, checked once against a protected GET before any verdict."""

    status: str  # accepted | refused | unchecked
    operation: str = ""
    answered: int | None = None
    channel: str = ""
    reason: str = ""

    @property
    def refused(self) -> bool:
        return self.status == "refused"

    def describe(self) -> str:
        if self.refused:
            return (f"the credential given (--conformance-token) was refused: {self.operation} answered {self.answered} to it, sent "
                    f"{self.channel}")
        return self.reason

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "operation": self.operation, "answered": self.answered,
                "channel": self.channel, "message": self.describe()}
