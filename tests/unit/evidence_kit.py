"""Real evidence records and contexts, made by hand: a check or the judge is tested on them with no runner, no
server and no stand-in namespace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from conformance.run import load_catalog
from conformance.credentials import CredentialCheck, Credentials
from conformance.evidence import Evidence
from conformance.judge import Context
from conformance.models import Exchange, PathValue, Request, Response
from conformance.spec import Operation, load_spec

ITEM = {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "get": {"responses": {"200": {"description": "ok"}}},
        "delete": {"responses": {"204": {"description": "gone"}}}}
COLLECTION = {"get": {"responses": {"200": {"description": "ok"}}},
              "post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                       "responses": {"201": {"description": "created"}}}}


def operation(tmp_path: Path, label: str, paths: dict[str, Any] | None = None) -> Operation:
    """One operation of a small spec (/items and /items/{id} unless ``paths`` says otherwise)."""
    spec = {"openapi": "3.0.3", "info": {"title": "kit", "version": "1"},
            "paths": paths or {"/items": COLLECTION, "/items/{id}": ITEM}}
    file = tmp_path / "spec.json"
    file.write_text(json.dumps(spec))
    loaded = load_spec(str(file), "http://api.test", timeout=5, session=requests.Session())
    return next(op for op in loaded.operations if op.label == label)


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


def context(profile: str, rule_id: str, op: Operation, found: Evidence | None = None) -> Context:
    catalog = load_catalog(profile)
    rule = next(r for r in catalog.rules if r.id == rule_id).for_operation(op.method, op.path)
    assert rule is not None, f"{rule_id} does not apply to {op.label} in {profile}"
    return Context(rule, op, catalog, None, Credentials.from_catalog(catalog.auth), found)
