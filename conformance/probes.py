"""Targeted requests beside the generated ones. A probe is a function (run, operation) -> exchanges,
registered by name; a check asks for probes by name and each probe is sent once per operation however
many rules need it."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Callable, TYPE_CHECKING
from urllib.parse import urlencode

from .models import Exchange, Skip

if TYPE_CHECKING:
    from .engine import OperationRun

PROBES: dict[str, Callable[["OperationRun"], list[Exchange]]] = {}


def probe(name: str):
    def register(func):
        PROBES[name] = func
        return func
    return register


def _need_token(run: "OperationRun") -> str:
    if not run.settings.token:
        raise Skip("no valid credential was given (--conformance-token or CONFORMANCE_TOKEN)")
    return run.settings.token


@probe("no-credentials")
def no_credentials(run: "OperationRun") -> list[Exchange]:
    return [run.send(run.base_kwargs(), "no-credentials", "no credentials")]


def _through_each(run: "OperationRun", kind: str, channels: list, secret: str, none_why: str) -> list[Exchange]:
    """One request per channel, each carrying the secret that way and no other."""
    channels = [c for c in channels if c.serves(run.operation.method)]
    if not channels:
        raise Skip(none_why)
    out = []
    for channel in channels:
        kwargs = run.base_kwargs()
        channel.apply(kwargs, secret)
        out.append(run.send(kwargs, kind, channel.describe()))
    return out


@probe("invalid-credentials")
def invalid_credentials(run: "OperationRun") -> list[Exchange]:
    return _through_each(run, "invalid-credentials", list(run.credentials.channels),
                         run.credentials.invalid(run.settings.token, run.rng),
                         f"the profile names no credential channel for {run.operation.method}")


@probe("unsupported-channel")
def unsupported_channel(run: "OperationRun") -> list[Exchange]:
    return _through_each(run, "unsupported-channel", list(run.credentials.unsupported), _need_token(run),
                         f"no unsupported channel applies to {run.operation.method}")


@probe("valid-credentials")
def valid_credentials(run: "OperationRun") -> list[Exchange]:
    return _through_each(run, "valid-credentials", list(run.credentials.channels), _need_token(run),
                         f"the profile names no credential channel for {run.operation.method}")


@probe("forbidden-credentials")
def forbidden_credentials(run: "OperationRun") -> list[Exchange]:
    token = run.settings.forbidden_token
    if not token:
        raise Skip("no credential without permission was given (--conformance-forbidden-token or "
                   "CONFORMANCE_FORBIDDEN_TOKEN)")
    channel = run.credentials.primary(run.operation.method)
    if channel is None:
        raise Skip(f"the profile names no credential channel for {run.operation.method}")
    kwargs = run.base_kwargs()
    channel.apply(kwargs, token)
    return [run.send(kwargs, "forbidden-credentials", f"a credential without permission {channel.describe()}")]


@probe("no-origin")
def no_origin(run: "OperationRun") -> list[Exchange]:
    kwargs = run.authenticated_kwargs()
    kwargs["headers"].pop("Origin", None)
    return [run.send(kwargs, "no-origin", "a valid request without Origin", origin=False)]


@probe("preflight")
def preflight(run: "OperationRun") -> list[Exchange]:
    requested = []
    for rule in run.rules_using("preflight"):
        requested += rule.params.get("request_headers", [])
    requested = list(dict.fromkeys(requested))
    kwargs = {"method": "OPTIONS", "url": run.base_kwargs()["url"], "headers": {
        "Origin": run.new_origin(),
        "Access-Control-Request-Method": run.operation.method,
        **({"Access-Control-Request-Headers": ", ".join(requested)} if requested else {}),
    }}
    return [run.send(kwargs, "preflight", f"a CORS preflight for {run.operation.method}", origin=False, foreign=True)]


def unknown_value(parameter_schema: dict) -> object:
    kind = parameter_schema.get("type")
    if kind == "integer" or kind == "number":
        return 987654321
    if parameter_schema.get("format") == "uuid":
        return str(uuid.UUID(int=0xC0FFEE))
    return "conformance-unknown-0c0ffee"


@probe("unknown-id")
def unknown_id(run: "OperationRun") -> list[Exchange]:
    name = run.operation.item_parameter()
    if name is None:
        raise Skip("the path has no parameter")
    value = unknown_value(run.operation.path_parameter_schema(name))
    kwargs = run.authenticated_kwargs(path_parameters={name: value})
    return [run.send(kwargs, "unknown-id", f"{name}={value}")]


def _flatten_form(body: object) -> dict[str, str]:
    """The body as form fields; never empty, so the server has a body to refuse."""
    if not isinstance(body, dict):
        return {"value": json.dumps(body)}
    return {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in body.items()} or {"name": "conformance"}


@probe("form-body")
def form_body(run: "OperationRun") -> list[Exchange]:
    kwargs = run.base_kwargs()
    form = _flatten_form(kwargs.pop("json", None) if "json" in kwargs else {})
    kwargs.pop("data", None)
    kwargs["data"] = form
    run.apply_credential(kwargs)
    kwargs["headers"]["Content-Type"] = "application/x-www-form-urlencoded"
    kwargs["data"] = urlencode(kwargs["data"])
    return [run.send(kwargs, "form-body", "a valid body, form-encoded")]


@probe("malformed-json")
def malformed_json(run: "OperationRun") -> list[Exchange]:
    kwargs = run.base_kwargs()
    kwargs.pop("json", None)
    run.apply_credential(kwargs, avoid_body=True)
    kwargs.pop("json", None)
    kwargs["data"] = b'{"name": "conformance", '
    kwargs["headers"]["Content-Type"] = "application/json"
    return [run.send(kwargs, "malformed-json", "a body that is not valid JSON")]


@probe("invalid-body")
def invalid_body(run: "OperationRun") -> list[Exchange]:
    invalid = run.operation.invalid_body()
    if invalid is None:
        raise Skip("the request body schema has no constraint that an invalid body could break")
    body, how = invalid
    kwargs = run.base_kwargs()
    kwargs.pop("data", None)
    kwargs["json"] = copy.deepcopy(body)
    run.apply_credential(kwargs)
    return [run.send(kwargs, "invalid-body", how)]


SAFE_FIRST = ("GET", "PATCH", "POST", "PUT", "DELETE")


@probe("wrong-method")
def wrong_method(run: "OperationRun") -> list[Exchange]:
    """A method the path does not declare. GET first (it cannot change data even if wrongly accepted);
    then PATCH with an empty body (a no-op patch), POST, PUT, DELETE, all aimed at an unknown id so a server
    that wrongly accepts them harms nothing. Under --conformance-read-only only GET is tried."""
    declared = set(run.operation.declared_methods) | ({"HEAD"} if "GET" in run.operation.declared_methods else set())
    candidates = [m for m in SAFE_FIRST if m not in declared]
    if run.settings.read_only:
        candidates = [m for m in candidates if m == "GET"]
    if not candidates:
        raise Skip("every method worth probing is declared on this path (or only writes are left, and "
                   "--conformance-read-only is on)")
    method = candidates[0]
    name = run.operation.item_parameter()
    overrides = {name: unknown_value(run.operation.path_parameter_schema(name))} if name and method != "GET" else None
    kwargs = run.base_kwargs(path_parameters=overrides)
    kwargs["method"] = method
    kwargs.pop("data", None)
    kwargs["json"] = {} if method != "GET" else None
    if method == "GET":
        kwargs.pop("json")
    run.apply_credential(kwargs)
    return [run.send(kwargs, "wrong-method", f"{method}, which the spec does not declare", foreign=True)]


@probe("head")
def head(run: "OperationRun") -> list[Exchange]:
    kwargs = run.authenticated_kwargs()
    get = run.send(dict(kwargs, headers=dict(kwargs["headers"])), "head", "GET beside HEAD", origin=False)
    kwargs["method"] = "HEAD"
    head_exchange = run.send(kwargs, "head", "HEAD", origin=False, foreign=True)
    return [get, head_exchange]
