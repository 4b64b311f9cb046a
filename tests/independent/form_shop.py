"""A Stripe-like shop, written apart from the suite: it reads only form bodies and answers JSON.

Like Stripe's API (and its spec):
- every write is ``application/x-www-form-urlencoded``, its nested fields in brackets (``metadata[colour]=red``,
  the spec's ``encoding: deepObject``); a JSON body is refused 400 "Missing required param: name.";
- a price names its product in a field the spec calls optional (``product``), and the API refuses one without it;
  a price's currency is an ISO 4217 code;
- a product's image is uploaded as ``multipart/form-data`` (``POST /v1/products/{id}/images``, a ``file`` part);
- prices cannot be deleted (no DELETE in the spec): the suite creates there only where the user lets it
  (``--conformance-writable=/v1/prices``).
The key travels as ``Authorization: Bearer``.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

TOKEN = "sk_test_form_shop"
CURRENCIES = {"usd", "eur", "gbp"}


def _error(status: int, message: str, param: str = "") -> Response:
    body = {"error": {"type": "invalid_request_error", "message": message, **({"param": param} if param else {})}}
    return Response(json.dumps(body), status, content_type="application/json")


def _ok(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def nested(form: Any) -> dict[str, Any]:
    """Rails/Stripe brackets back into objects: ``metadata[colour]=red`` -> {"metadata": {"colour": "red"}}."""
    out: dict[str, Any] = {}
    for key, value in form.items(multi=True):
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FormShop:
    def __init__(self) -> None:
        self.products: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.bodies: list[tuple[str, str, str]] = []  # (method, path, Content-Type) of every write
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        raw = request.get_data(cache=True)
        return self.respond(request, raw)(environ, start_response)

    def fields(self, request: Request, raw: bytes) -> dict[str, Any]:
        if request.mimetype == "multipart/form-data":
            return {**nested(request.form), **{k: f.read() for k, f in request.files.items()}}
        return nested(request.form) if request.mimetype == "application/x-www-form-urlencoded" else {}

    def respond(self, request: Request, raw: bytes) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response(json.dumps({"error": {"type": "invalid_request_error", "message": "Invalid API Key."}}),
                            401, content_type="application/json", headers={"WWW-Authenticate": 'Bearer realm="shop"'})
        parts = [p for p in request.path.split("/") if p][1:]  # after v1
        method = "GET" if request.method == "HEAD" else request.method  # (werkzeug sends no body to a HEAD)
        if method in ("POST", "DELETE"):
            with self.lock:
                self.bodies.append((method, request.path, request.headers.get("Content-Type", "")))
        with self.lock:
            if parts == ["products"]:
                if method == "GET":
                    return _ok({"object": "list", "data": list(self.products.values())})
                if method == "POST":
                    return self.create_product(self.fields(request, raw))
            if len(parts) == 2 and parts[0] == "products":
                product = self.products.get(parts[1])
                if product is None:
                    return _error(404, f"No such product: '{parts[1]}'", "id")
                if method == "GET":
                    return _ok(product)
                if method == "POST":
                    product.update({k: v for k, v in self.fields(request, raw).items() if k in ("name", "metadata")})
                    return _ok(product)
                if method == "DELETE":
                    del self.products[parts[1]]
                    return _ok({"id": parts[1], "object": "product", "deleted": True})
            if len(parts) == 3 and parts[0] == "products" and parts[2] == "images" and method == "POST":
                product = self.products.get(parts[1])
                if product is None:
                    return _error(404, f"No such product: '{parts[1]}'", "id")
                upload = self.fields(request, raw).get("file")
                if not isinstance(upload, bytes):
                    return _error(400, "Missing required param: file.", "file")
                product["images"].append(f"img_{len(upload)}")
                return _ok(product)
            if parts == ["prices"]:
                if method == "GET":
                    return _ok({"object": "list", "data": list(self.prices.values())})
                if method == "POST":
                    return self.create_price(self.fields(request, raw))
            if len(parts) == 2 and parts[0] == "prices" and method == "GET":
                price = self.prices.get(parts[1])
                return _ok(price) if price is not None else _error(404, f"No such price: '{parts[1]}'", "price")
        return _error(404, f"Unrecognized request URL ({method}: {request.path}).")

    def create_product(self, fields: dict[str, Any]) -> Response:
        if not isinstance(fields.get("name"), str) or not fields["name"]:
            return _error(400, "Missing required param: name.", "name")
        metadata = fields.get("metadata", {})
        if not isinstance(metadata, dict):
            return _error(400, "Invalid object", "metadata")
        product = {"id": f"prod_{uuid.uuid4().hex[:14]}", "object": "product", "name": fields["name"],
                   "metadata": metadata, "images": []}
        self.products[product["id"]] = product
        return _ok(product)

    def create_price(self, fields: dict[str, Any]) -> Response:
        if fields.get("currency") not in CURRENCIES:
            return _error(400, f"Invalid currency: {fields.get('currency')}.", "currency")
        if fields.get("product") not in self.products:
            return _error(400, "You must specify either `product` or `product_data` when creating a price.")
        price = {"id": f"price_{uuid.uuid4().hex[:14]}", "object": "price", "currency": fields["currency"],
                 "product": fields["product"], "unit_amount": int(fields.get("unit_amount") or 0)}
        self.prices[price["id"]] = price
        return _ok(price)


def _form(schema: dict[str, Any], encoding: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if encoding:
        media["encoding"] = encoding
    return {"required": True, "content": {"application/x-www-form-urlencoded": media}}


def _answers(schema_ref: str) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": schema_ref}}}},
            "400": {"description": "invalid", "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": {"description": "no key", "content": {"application/json": {"schema": {"type": "object"}}}},
            "404": {"description": "missing", "content": {"application/json": {"schema": {"type": "object"}}}}}


def spec() -> dict[str, Any]:
    product_fields = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "maxLength": 200},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}}}}
    price_fields = {"type": "object", "required": ["currency"], "properties": {
        "currency": {"type": "string", "pattern": "^[a-z]{3}$"},
        "product": {"type": "string", "maxLength": 100},
        "unit_amount": {"type": "integer", "minimum": 0}}}
    deep = {"metadata": {"style": "deepObject", "explode": True}}
    item = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 100}}]
    listing = {"type": "object", "properties": {"object": {"type": "string"}, "data": {"type": "array"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Form shop", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Product": {"type": "object", "properties": {"id": {"type": "string"}}},
                                   "Price": {"type": "object", "properties": {"id": {"type": "string"}}},
                                   "List": listing}},
        "security": [{"bearer": []}],
        "paths": {
            "/v1/products": {
                "get": {"operationId": "ListProducts", "responses": _answers("#/components/schemas/List")},
                "post": {"operationId": "PostProducts", "requestBody": _form(product_fields, deep),
                         "responses": _answers("#/components/schemas/Product")}},
            "/v1/products/{id}": {
                "parameters": item,
                "get": {"operationId": "GetProduct", "responses": _answers("#/components/schemas/Product")},
                "post": {"operationId": "UpdateProduct", "requestBody": _form(
                    {"type": "object", "properties": product_fields["properties"]}, deep),
                    "responses": _answers("#/components/schemas/Product")},
                "delete": {"operationId": "DeleteProduct", "responses": _answers("#/components/schemas/Product")}},
            "/v1/products/{id}/images": {
                "parameters": item,
                "post": {"operationId": "UploadImage", "requestBody": {"required": True, "content": {
                    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                        "file": {"type": "string", "format": "binary"}}}}}},
                    "responses": _answers("#/components/schemas/Product")}},
            "/v1/prices": {
                "get": {"operationId": "ListPrices", "responses": _answers("#/components/schemas/List")},
                "post": {"operationId": "PostPrices", "requestBody": _form(price_fields),
                         "responses": _answers("#/components/schemas/Price")}},
            "/v1/prices/{price}": {
                "parameters": [{"name": "price", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 100}}],
                "get": {"operationId": "GetPrice", "responses": _answers("#/components/schemas/Price")}},
        },
    }
