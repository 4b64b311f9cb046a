"""Secrets never leave the process: every request, response, message and curl command that is shown
or written goes through a Redactor first.

A curl command that reproduces a request names each credential by its environment variable instead
(``-H "Authorization: $CONFORMANCE_TOKEN"``, ``-u "$CONFORMANCE_TOKEN"``, ``"...?token=$CONFORMANCE_TOKEN"``),
so it runs when pasted into a shell that has the variable, and the secret itself appears nowhere. Made-up
credentials (the invalid ones the probes send) are not secrets and are shown as sent."""

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
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms.add(base64.b64encode(secret.encode()).decode())
    if ":" in secret:
        user, _, password = secret.partition(":")
        if len(password) >= 4:
            forms.add(password)
    return {f for f in forms if len(f) >= 4}


TOKEN_VARIABLE = "CONFORMANCE_TOKEN"
FORBIDDEN_TOKEN_VARIABLE = "CONFORMANCE_FORBIDDEN_TOKEN"
CURL_SKIPPED_HEADERS = {"content-length", "accept-encoding", "connection", "user-agent", "host"}
# Inside double quotes the shell still gives these a meaning; "!" is history expansion in an interactive bash.
DOUBLE_QUOTE_SPECIAL = {"\\": "\\\\", '"': '\\"', "$": "\\$", "`": "\\`", "!": '"\'!\'"'}


def secret_variables(token: str | None, forbidden_token: str | None) -> dict[str, str]:
    """Which environment variable holds which secret, for the curl commands."""
    variables = {}
    if forbidden_token:
        variables[forbidden_token] = FORBIDDEN_TOKEN_VARIABLE
    if token:
        variables[token] = TOKEN_VARIABLE
    return variables


@dataclass
class Redactor:
    secrets: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # header, query and body-field names that carry credentials
    variables: dict[str, str] = field(default_factory=dict)  # secret -> its environment variable (curl commands)

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


    # -- curl ------------------------------------------------------------------------------------
    def curl(self, method: str, url: str, headers: dict[str, str], body: bytes | str | None) -> str:
        """A curl command that sends this request again; pass the request as it was sent (not redacted)."""
        method = method.upper()
        parts: list[str] = ["curl", "--head" if method == "HEAD" else f"-X {method}"]
        url_args: list[str] = []
        parts_of_url = urlsplit(url)
        pairs = parse_qsl(parts_of_url.query, keep_blank_values=True)
        if any(self._needs_encoding(value) for _, value in pairs):  # a secret that is not URL-safe: curl encodes it
            url_args = [arg for key, value in pairs if self._needs_encoding(value)
                        for arg in ("--url-query", self._arg(f"{key}={value}"))]
            kept = [(key, value) for key, value in pairs if not self._needs_encoding(value)]
            url = urlunsplit(parts_of_url._replace(query=urlencode(kept, safe="[]")))
        parts.append(self._arg(url))
        parts += url_args
        content_type = ""
        for name, value in headers.items():
            lower = name.lower()
            if lower in CURL_SKIPPED_HEADERS:
                continue
            content_type = value if lower == "content-type" else content_type
            basic = _basic_pair(value) if lower == "authorization" else None
            if basic is not None:
                parts += ["-u", self._arg(basic)]
            else:
                parts += ["-H", self._arg(f"{name}: {value}")]
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
        form = parse_qsl(text, keep_blank_values=True) if "x-www-form-urlencoded" in content_type.lower() else []
        if any(self._needs_encoding(value) for _, value in form):
            kept = [(key, value) for key, value in form if not self._needs_encoding(value)]
            if kept:
                parts += ["--data-binary", self._arg(urlencode(kept))]
            parts += [arg for key, value in form if self._needs_encoding(value)
                      for arg in ("--data-urlencode", self._arg(f"{key}={value}"))]
        elif text:
            parts += ["--data-binary", self._arg(text)]
        return " ".join(parts)

    def curl_variables(self, command: str) -> list[str]:
        """The environment variables a curl command from :meth:`curl` needs, in a stable order."""
        return [v for v in (TOKEN_VARIABLE, FORBIDDEN_TOKEN_VARIABLE) if re.search(r"\$\{?" + v + r"\b", command)]

    def _needs_encoding(self, value: str) -> bool:
        return value in self.variables and quote(value, safe="") != value

    def _segments(self, text: str) -> list[tuple[str, str]]:
        """The text cut into ("text", ...) and ("var", NAME) pieces: a secret with a variable becomes the
        variable, any other form of a secret (encoded, base64, a password alone) becomes [REDACTED]."""
        if self._pattern is None:
            return [("text", text)]
        out: list[tuple[str, str]] = []
        last = 0
        for match in self._pattern.finditer(text):
            out.append(("text", text[last:match.start()]))
            variable = self.variables.get(match.group(0))
            out.append(("var", variable) if variable else ("text", MASK))
            last = match.end()
        out.append(("text", text[last:]))
        return [piece for piece in out if piece[1]]

    def _arg(self, text: str) -> str:
        """One shell word: single-quoted when it holds no variable, else double-quoted so the shell expands it."""
        pieces = self._segments(text)
        if all(kind == "text" for kind, _ in pieces):
            return shlex.quote("".join(value for _, value in pieces))
        word = '"'
        for number, (kind, value) in enumerate(pieces):
            if kind == "var":
                following = pieces[number + 1][1][:1] if number + 1 < len(pieces) else ""
                word += f"${{{value}}}" if re.match(r"[A-Za-z0-9_]", following) else f"${value}"
            else:
                word += "".join(DOUBLE_QUOTE_SPECIAL.get(c, c) for c in value)
        return word + '"'


def _basic_pair(value: str) -> str | None:
    """``user:password`` from an ``Authorization: Basic ...`` value, or None."""
    scheme, _, encoded = value.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        pair = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return pair if ":" in pair else None
