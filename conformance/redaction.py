"""Secrets never leave the process: every request, response, message and curl command that is shown
or written goes through a Redactor first."""

from __future__ import annotations

import base64
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"
ALWAYS_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}


def derived_forms(secret: str) -> set[str]:
    """The ways a secret can appear on the wire: as is, URL-encoded, base64 (HTTP Basic) and its parts."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    forms.add(base64.b64encode(secret.encode()).decode())
    if ":" in secret:
        user, _, password = secret.partition(":")
        if len(password) >= 4:
            forms.add(password)
    return {f for f in forms if len(f) >= 4}


@dataclass
class Redactor:
    secrets: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # header, query and body-field names that carry credentials

    def __post_init__(self) -> None:
        forms: set[str] = set()
        for secret in self.secrets:
            forms |= derived_forms(secret)
        self._forms = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(f) for f in self._forms)) if self._forms else None
        self._names = {n.lower() for n in self.names}

    def text(self, value: str) -> str:
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(MASK, value)

    def header_value(self, name: str, value: str) -> str:
        if name.lower() in ALWAYS_SECRET_HEADERS or name.lower() in self._names:
            return MASK
        return self.text(value)

    def headers(self, headers: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in headers.items():
            if isinstance(value, list):
                out[name] = [self.header_value(name, str(v)) for v in value]
            else:
                out[name] = self.header_value(name, str(value))
        return out

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.query:
            pairs = [(k, MASK if k.lower() in self._names else self.text(v))
                     for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            query = urlencode(pairs, safe="[]")
            url = urlunsplit(parts._replace(query=query))
        return self.text(url)

    def _json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (MASK if str(k).lower() in self._names else self._json(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def body(self, body: bytes | str | None, limit: int | None = None) -> str:
        if body is None:
            return ""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            text = json.dumps(self._json(json.loads(text)), ensure_ascii=False)
        except ValueError:
            if self._names:
                text = re.sub(r"(?i)\b(" + "|".join(re.escape(n) for n in self._names) + r")=[^&\s]*",
                              lambda m: f"{m.group(1)}={MASK}", text)
        text = self.text(text)
        if limit is not None and len(text) > limit:
            text = text[:limit] + f"... ({len(text) - limit} more characters)"
        return text


def curl_command(method: str, url: str, headers: dict[str, str], body: str) -> str:
    """A curl command line; pass it redacted values (the Redactor is applied by the caller)."""
    parts = ["curl", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        if name.lower() in ("content-length", "accept-encoding", "connection", "user-agent"):
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["--data-binary", shlex.quote(body)]
    return " ".join(parts)
