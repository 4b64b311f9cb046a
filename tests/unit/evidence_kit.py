"""Real evidence records and contexts, made by hand: a check or the judge is tested on them with no runner, no
server and no stand-in namespace."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests

from conformance.catalog import Catalog
from conformance.run import load_catalog
from conformance.credentials import CredentialCheck, Credentials
from conformance.evidence import Evidence
from conformance.judge import Context
from conformance.models import Exchange, PathValue, Request, Response
from conformance.spec import Operation, Spec, load_spec

ITEM = {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "get": {"responses": {"200": {"description": "ok"}}},
        "delete": {"responses": {"204": {"description": "gone"}}}}
COLLECTION = {"get": {"responses": {"200": {"description": "ok"}}},
              "post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                       "responses": {"201": {"description": "created"}}}}

# The specs the kit writes, one file each, in a directory of its own that goes with the test process.
_SPECS = tempfile.TemporaryDirectory(prefix="evidence-kit-")


def operation(label: str, paths: dict[str, Any] | None = None, *, swagger: bool = False, **document: Any) -> Operation:
    """One operation of a small spec (/items and /items/{id} unless ``paths`` says otherwise), loaded as a run
    loads it. ``document`` adds fields at the root (``components``, ``security``, ``securityDefinitions``, ...);
    ``swagger`` makes it a Swagger 2.0 document rather than OpenAPI 3."""
    head = {"swagger": "2.0"} if swagger else {"openapi": "3.0.3"}
    spec = {**head, "info": {"title": "kit", "version": "1"},
            "paths": paths or {"/items": COLLECTION, "/items/{id}": ITEM}, **document}
    loaded = _load(json.dumps(spec, sort_keys=True))
    found = [op for op in loaded.operations if op.label == label]
    assert found, f"{label} is not an operation of the spec (it has {[op.label for op in loaded.operations]})"
    return found[0]


@lru_cache(maxsize=None)
def _load(text: str) -> Spec:
    file = Path(_SPECS.name) / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
    file.write_text(text)
    return load_spec(str(file), "http://api.test", timeout=5, session=requests.Session())


def answer(status: int, headers: dict[str, Any] | None = None, body: bytes = b"", *, method: str = "GET",
           kind: str = "generated", operation: str = "GET /items/{id}", credential: str = "valid",
           channel: str = "in the header Authorization", url: str = "http://api.test/items/1",
           source: str = "listed") -> Exchange:
    fields = {k.lower(): (v if isinstance(v, list) else [v]) for k, v in (headers or {}).items()}
    own = operation if operation.split(" ", 1)[0] == method else ""
    return Exchange(kind, Request(method, url), Response(status, fields, body), operation=own,
                    values={"id": PathValue("1", source, "GET /items")}, credential=credential,
                    channel=channel if credential != "none" else "")


def evidence(label: str, *exchanges: Exchange, reached: bool | None = None,
             credential: CredentialCheck | None = None, **more: Any) -> Evidence:
    if reached is None:
        reached = any(e.ok and e.operation == label for e in exchanges)
    return Evidence(label, tuple(exchanges), reached=reached, path_reached=reached,
                    credential=credential or CredentialCheck("accepted", label, 200, "in the header Authorization"),
                    **more)


@lru_cache(maxsize=None)
def catalog(profile: str) -> Catalog:
    """A built-in profile's catalog, loaded once: it is frozen, and no check changes what it reads."""
    return load_catalog(profile)


def context(profile: str, rule_id: str, op: Operation, found: Evidence | None = None, *,
            params: dict[str, Any] | None = None, auth: dict[str, Any] | None = None) -> Context:
    """The context a run would give ``rule_id`` of ``profile`` on ``op``: its overrides applied, then ``params``
    in place of its params and ``auth`` in place of the catalog's auth block (and the credentials read from it)
    where a test varies them."""
    chosen = catalog(profile)
    if auth is not None:
        chosen = dataclasses.replace(chosen, auth=auth)
    rule = chosen.rule(rule_id).for_operation(op.method, op.path)
    assert rule is not None, f"{rule_id} does not apply to {op.label} in {profile}"
    if params is not None:
        rule = dataclasses.replace(rule, params=params)
    return Context(rule, op, chosen, None, Credentials.from_catalog(chosen.auth), found)
