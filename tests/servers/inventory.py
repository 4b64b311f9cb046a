"""An inventory API for the reach tests, written with Werkzeug: regions (not listable), their sites
(listable), and devices under a site that clients create, change and delete. It keeps FeatBit's
conventions (raw token in Authorization, the {"success", "errors", "data"} envelope, JSON everywhere).

It also watches the suite: ``foreign_writes`` lists every write aimed at a device the suite did not create
(a seeded one), which a polite suite never sends, and ``devices`` shows what is left after a run.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from typing import Any

from werkzeug.wrappers import Request, Response

TOKEN = "inv-token"
READ_ONLY = "inv-readonly"
SEEDED = {("eu-west", "s-1"): {"dev-seed": {"deviceId": "dev-seed", "label": "seeded"}}}
SITES = {"eu-west": [{"siteId": "s-1", "name": "Dublin"}], "us-east": [{"siteId": "s-9", "name": "Boston"}]}

ROUTES = [
    ("sites", re.compile(r"^/api/regions/(?P<region>[^/]+)/sites$")),
    ("site", re.compile(r"^/api/regions/(?P<region>[^/]+)/sites/(?P<site>[^/]+)$")),
    ("devices", re.compile(r"^/api/regions/(?P<region>[^/]+)/sites/(?P<site>[^/]+)/devices$")),
    ("device", re.compile(r"^/api/regions/(?P<region>[^/]+)/sites/(?P<site>[^/]+)/devices/(?P<device>[^/]+)$")),
]
ALLOWED = {"sites": ["GET"], "site": ["GET"], "devices": ["GET", "POST"], "device": ["GET", "PUT", "DELETE"]}


class Inventory:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.devices = {key: dict(items) for key, items in SEEDED.items()}
        self.created: set[str] = set()
        self.foreign_writes: list[str] = []
        self.writes: list[str] = []
        self._ids = itertools.count(1)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        request.get_data()  # always read the body
        return self.handle(request)(environ, start_response)

    def reply(self, status: int, data: Any = None, errors: list[str] | None = None, **headers: str) -> Response:
        body = {"success": status < 400, "errors": errors or [], "data": data}
        origin = {"Access-Control-Allow-Origin": "*"}
        return Response(json.dumps(body), status=status, mimetype="application/json", headers={**origin, **headers})

    def handle(self, request: Request) -> Response:
        route, params = next(((name, m.groupdict()) for name, pattern in ROUTES
                              if (m := pattern.match(request.path))), (None, {}))
        if route is None:
            return self.reply(404, errors=["NotFound"])
        if request.method not in ALLOWED[route]:
            return self.reply(405, errors=["MethodNotAllowed"], Allow=", ".join(ALLOWED[route]))
        token = request.headers.get("Authorization")
        if token not in (TOKEN, READ_ONLY):
            return self.reply(401, errors=["Unauthorized"], **{"WWW-Authenticate": "Token"})
        write = request.method != "GET"
        if write and route == "device":
            with self.lock:
                self.writes.append(f"{request.method} {request.path}")
                if params["device"] not in self.created:
                    self.foreign_writes.append(f"{request.method} {request.path}")
        sites = SITES.get(params["region"])
        if sites is None:
            return self.reply(404, errors=["RegionNotFound"])
        if route == "sites":
            return self.reply(200, {"items": sites})
        site = next((s for s in sites if s["siteId"] == params["site"]), None)
        if site is None:
            return self.reply(404, errors=["SiteNotFound"])
        if write and token == READ_ONLY:
            return self.reply(403, errors=["Forbidden"])
        if route == "site":
            return self.reply(200, site)
        with self.lock:
            devices = self.devices.setdefault((params["region"], params["site"]), {})
            if route == "devices" and request.method == "GET":
                return self.reply(200, {"items": list(devices.values())})
            if route == "devices":
                body = _json(request)
                if not isinstance(body, dict) or not isinstance(body.get("label"), str) or set(body) - {"label"}:
                    return self.reply(400, errors=["ValidationFailed"])
                ident = f"dev-{next(self._ids)}"
                devices[ident] = {"deviceId": ident, "label": body["label"]}
                self.created.add(ident)
                return self.reply(201, devices[ident], Location=f"{request.path}/{ident}")
            device = devices.get(params["device"])
            if device is None:
                return self.reply(404, errors=["DeviceNotFound"])
            if request.method == "GET":
                return self.reply(200, device)
            if request.method == "DELETE":
                del devices[params["device"]]
                return Response(status=204, headers={"Access-Control-Allow-Origin": "*"})
            body = _json(request)
            if not isinstance(body, dict) or not isinstance(body.get("label"), str) or set(body) - {"label"}:
                return self.reply(400, errors=["ValidationFailed"])
            device["label"] = body["label"]
            return self.reply(200, device)


def _json(request: Request) -> Any:
    if request.mimetype != "application/json":
        return None
    try:
        return json.loads(request.get_data() or b"null")
    except ValueError:
        return None


def spec(*, region_example: str | None = None) -> dict[str, Any]:
    """The team's spec. ``region_example``: the regionCode parameter's example (no other source names one)."""
    region = {"name": "regionCode", "in": "path", "required": True, "schema": {"type": "string"}}
    if region_example is not None:
        region["example"] = region_example
    site = {"name": "siteId", "in": "path", "required": True, "schema": {"type": "string"}}
    device = {"name": "deviceId", "in": "path", "required": True, "schema": {"type": "string"}}
    envelope = {"type": "object", "properties": {"success": {"type": "boolean"}, "errors": {"type": "array"},
                                                 "data": {}}}
    answers = {"200": {"description": "ok", "content": {"application/json": {"schema": envelope}}},
               **{s: {"description": "error", "content": {"application/json": {"schema": envelope}}}
                  for s in ("400", "401", "403", "404", "405")}}
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["label"], "additionalProperties": False,
        "properties": {"label": {"type": "string", "minLength": 1, "maxLength": 30}}}, "example": {"label": "rack 4"}}}}
    created = {"201": {**answers["200"], "description": "created"}, **{k: v for k, v in answers.items() if k != "200"}}
    deleted = {"204": {"description": "deleted"}, **{k: v for k, v in answers.items() if k != "200"}}
    base = "/api/regions/{regionCode}/sites"
    return {
        "openapi": "3.0.3", "info": {"title": "inventory", "version": "1"},
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "security": [{"token": []}],
        "paths": {
            base: {"get": {"parameters": [region], "responses": answers}},
            base + "/{siteId}": {"get": {"parameters": [region, site], "responses": answers}},
            base + "/{siteId}/devices": {"get": {"parameters": [region, site], "responses": answers},
                                        "post": {"parameters": [region, site], "requestBody": body,
                                                 "responses": created}},
            base + "/{siteId}/devices/{deviceId}": {
                "get": {"parameters": [region, site, device], "responses": answers},
                "put": {"parameters": [region, site, device], "requestBody": body, "responses": answers},
                "delete": {"parameters": [region, site, device], "responses": deleted}},
        },
    }
