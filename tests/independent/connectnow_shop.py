"""Stores and their products, kept to the ConnectNow API philosophy (seed 004).

What the document asks, and how this server keeps it:

- ``Accept: application/json``: every answer is JSON (``Content-Type: application/json``), whatever the
  client accepts.
- Plural resources, standard CRUD: ``GET``/``POST`` on collections, ``GET``/``PUT``/``DELETE`` on items,
  ``PUT`` for updates.
- Authentication: an ``api_token`` query parameter, an ``api_token`` field of the request payload (JSON or
  form), or ``Authorization: Bearer <token>``; 401 when the token is not valid or passed another way
  (``WWW-Authenticate: Bearer``), 403 when a valid token may not do the action (the read-only token on
  writes). "Some endpoints require authentication": reading stores is public (``security: []`` in the
  spec), everything else needs a token.
- Status codes: only the document's: 200, 201 on create, 401, 403, 404, 405 (with ``Allow``), 422 for a
  malformed body, missing or incorrect data (also for bad JSON and bad query values), 429 from the rate
  limiter (with ``Retry-After``), 500.
- Paginated responses with the ``page`` parameter and the document's fields (``current_page``, ``data``,
  ``first_page_url``, ``from``, ``next_page_url``, ``path``, ``per_page``, ``prev_page_url``, ``to``).

Where the document leaves room, this server differs from the bundled demo: Laravel's shapes (single
resources wrapped in ``{"data": ...}``, errors as ``{"message", "errors": {field: [...]}}``, dates with
microseconds); stores are paged with Laravel's full paginator (the document's fields plus ``last_page``,
``last_page_url``, ``links``, ``total``) and products with the simple one (exactly the document's fields);
``per_page`` may be chosen; page URLs keep the other query parameters but never ``api_token``; slug and
string ids (``corner-bakery-3f9a``, ``prd_...``) found only by listing; ``PUT`` replaces the resource with
what it encloses, as the document's "standard CRUD and REST API principles" have it (RFC 9110 §9.3.4: a field
it leaves out goes back to what a new resource gets); a form-encoded body is accepted (the document names a
"form parameter"); routing comes before authentication (404/405 without a token, as in Laravel);
``X-RateLimit-Limit``/``X-RateLimit-Remaining`` on every throttled answer.
"""

from __future__ import annotations

import copy
import json
import math
import re
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from jsonschema import Draft202012Validator
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .serving import BoundedRequest, json_response, media_type

TOKEN = "cn_live_5d0b8e2a9c7f41e3b6"
READ_ONLY_TOKEN = "cn_read_8a4f1c6e2d9b07a5c3"

CURRENCIES = ["GBP", "EUR", "USD"]
STORE_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 80},
    "city": {"type": "string", "maxLength": 80},
    "currency": {"type": "string", "enum": CURRENCIES},
}
PRODUCT_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 120},
    "sku": {"type": "string", "pattern": "^[A-Z0-9-]{3,32}$"},
    "price_cents": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
    "currency": {"type": "string", "enum": CURRENCIES},
    "in_stock": {"type": "boolean"},
}
STORE_CREATE = {"type": "object", "required": ["name"], "properties": STORE_FIELDS}
STORE_UPDATE = {"type": "object", "required": ["name"], "properties": STORE_FIELDS}  # a PUT encloses the whole state
PRODUCT_CREATE = {"type": "object", "required": ["name", "price_cents"], "properties": PRODUCT_FIELDS}
PRODUCT_UPDATE = {"type": "object", "required": ["name", "price_cents"], "properties": PRODUCT_FIELDS}
_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in {
    "store_create": STORE_CREATE, "store_update": STORE_UPDATE,
    "product_create": PRODUCT_CREATE, "product_update": PRODUCT_UPDATE}.items()}
PUBLIC = {"list_stores", "get_store"}


class _Fail(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers, self.errors = status, message, headers or {}, errors


def _invalid(errors: dict[str, list[str]]) -> _Fail:
    messages = [m for ms in errors.values() for m in ms]
    more = len(messages) - 1
    message = messages[0] + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")
    return _Fail(422, message, errors=errors)


def _timestamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _RateLimiter:
    """A fixed window per client (its token, else its address)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.lock = threading.Lock()
        self.counts: dict[str, tuple[float, int]] = {}

    def hit(self, client: str) -> tuple[int, float]:
        """Remaining requests after this one (negative: over the limit) and seconds to the next window."""
        now = time.monotonic()
        with self.lock:
            start, count = self.counts.get(client, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self.counts[client] = (start, count)
            return self.limit - count, start + self.window - now


class ConnectNowShop:
    """The WSGI application. Store slugs and product ids are new on every start; list to find them."""

    def __init__(self, token: str = TOKEN, read_only_token: str = READ_ONLY_TOKEN,
                 rate_limit: int = 6000, rate_window: float = 60.0) -> None:
        self.tokens = {token: "write", read_only_token: "read"}
        self.limiter = _RateLimiter(rate_limit, rate_window)
        self.lock = threading.Lock()
        self.stores: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, dict[str, Any]]] = {}
        self._seed()
        self.url_map = Map([
            Rule("/api/stores", methods=["GET"], endpoint="list_stores"),
            Rule("/api/stores", methods=["POST"], endpoint="create_store"),
            Rule("/api/stores/<store_slug>", methods=["GET"], endpoint="get_store"),
            Rule("/api/stores/<store_slug>", methods=["PUT"], endpoint="update_store"),
            Rule("/api/stores/<store_slug>", methods=["DELETE"], endpoint="delete_store"),
            Rule("/api/stores/<store_slug>/products", methods=["GET"], endpoint="list_products"),
            Rule("/api/stores/<store_slug>/products", methods=["POST"], endpoint="create_product"),
            Rule("/api/stores/<store_slug>/products/<product_id>", methods=["GET"], endpoint="get_product"),
            Rule("/api/stores/<store_slug>/products/<product_id>", methods=["PUT"], endpoint="update_product"),
            Rule("/api/stores/<store_slug>/products/<product_id>", methods=["DELETE"], endpoint="delete_product"),
        ], strict_slashes=False, merge_slashes=False)

    # -- data ---------------------------------------------------------------------------------------

    def _seed(self) -> None:
        start = datetime(2024, 2, 12, 8, 0, tzinfo=timezone.utc)
        cities = ["Leeds", "York", "Hull", "Bath"]
        kinds = ["Bakery", "Hardware", "Books", "Florist", "Deli", "Cycles"]
        for i in range(18):
            name = f"{['Corner', 'North', 'Old Town', 'Harbour'][i % 4]} {kinds[i % 6]}"
            at = start + timedelta(days=i)
            store = self._new_store({"name": name, "city": cities[i % 4], "currency": CURRENCIES[i % 3]}, at)
            count = 40 if i == 0 else i % 5
            for j in range(count):
                self._new_product(store, {"name": f"{kinds[i % 6]} item {j + 1}", "sku": f"SKU-{i:02d}-{j:03d}",
                                          "price_cents": 150 + 25 * j, "in_stock": j % 4 != 3},
                                  at + timedelta(hours=j))

    def _new_store(self, fields: dict[str, Any], at: datetime) -> dict[str, Any]:
        base = re.sub(r"[^a-z0-9]+", "-", fields["name"].lower()).strip("-")[:40] or "store"
        slug = f"{base}-{secrets.token_hex(2)}"
        while slug in self.stores:
            slug = f"{base}-{secrets.token_hex(3)}"
        store = {"slug": slug, "name": fields["name"], "city": fields.get("city", ""),
                 "currency": fields.get("currency", "GBP"), "products_count": 0,
                 "created_at": _timestamp(at), "updated_at": _timestamp(at)}
        self.stores[slug] = store
        self.products[slug] = {}
        return store

    def _new_product(self, store: dict[str, Any], fields: dict[str, Any], at: datetime) -> dict[str, Any]:
        product_id = "prd_" + secrets.token_hex(6)
        product = {"id": product_id, "store_slug": store["slug"], "name": fields["name"],
                   "sku": fields.get("sku"), "price_cents": fields["price_cents"],
                   "currency": fields.get("currency", store["currency"]), "in_stock": fields.get("in_stock", True),
                   "created_at": _timestamp(at), "updated_at": _timestamp(at)}
        self.products[store["slug"]][product_id] = product
        store["products_count"] += 1
        return product

    def documented_ids(self) -> dict[str, str]:
        """Real ids, for a spec that documents examples from this data (the store with 40 products)."""
        slug = next(iter(self.stores))
        return {"store_slug": slug, "product_id": next(iter(self.products[slug]))}

    # -- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = BoundedRequest(environ)
        limit_headers: dict[str, str] = {}
        try:
            response = self._dispatch(request, limit_headers)
        except _Fail as fail:
            payload: dict[str, Any] = {"message": fail.message}
            if fail.errors is not None:
                payload["errors"] = fail.errors
            response = self._json(payload, fail.status, fail.headers)
        except Exception:  # noqa: BLE001  (an answer, never a traceback)
            response = self._json({"message": "Server Error"}, 500)
        response.headers.update(limit_headers)
        response.headers["Cache-Control"] = "no-cache, private"
        return response(environ, start_response)

    @staticmethod
    def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return json_response(payload, status, headers, content_type="application/json")

    def _dispatch(self, request: BoundedRequest, limit_headers: dict[str, str]) -> Response:
        try:
            request.get_data(cache=True)  # always read the body first
        except RequestEntityTooLarge:
            raise _Fail(422, "The request body is too large.") from None
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed as exc:
            allowed = ", ".join(m for m in ["GET", "HEAD", "POST", "PUT", "DELETE"] if m in (exc.valid_methods or ()))
            raise _Fail(405, f"The {request.method} method is not supported for route {request.path.lstrip('/')}. "
                             f"Supported methods: {allowed}.", {"Allow": allowed}) from None
        except NotFound:
            raise _Fail(404, "Not Found.") from None
        fields = self._payload(request)
        token = self._token(request, fields)
        remaining, reset = self.limiter.hit(token or request.remote_addr or "anonymous")
        limit_headers.update({"X-RateLimit-Limit": str(self.limiter.limit),
                              "X-RateLimit-Remaining": str(max(remaining, 0))})
        if remaining < 0:
            wait = str(max(1, math.ceil(reset)))
            raise _Fail(429, "Too Many Attempts.", {"Retry-After": wait, "X-RateLimit-Reset": str(int(time.time()) + int(wait))})
        if endpoint not in PUBLIC:
            role = self.tokens.get(token or "")
            if role is None:
                raise _Fail(401, "Unauthenticated.", {"WWW-Authenticate": 'Bearer realm="ConnectNow API"'})
            if request.method not in ("GET", "HEAD") and role != "write":
                raise _Fail(403, "This action is unauthorized.")
        if isinstance(fields, _Fail):
            raise fields
        return getattr(self, endpoint)(request, fields, **args)

    @staticmethod
    def _payload(request: BoundedRequest) -> dict[str, Any] | _Fail:
        """The body's fields: JSON (strict types) or a form (numbers and booleans from their text).

        A body that is not JSON, or not an object, is a 422 for POST and PUT (after authentication)."""
        body = request.get_data(cache=True)
        kind = media_type(request.content_type)
        if not body.strip():
            return {}
        if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return {key: _from_form(key, value) for key, value in request.form.items()}
        if "json" not in kind:
            return {}  # as Laravel: a body it cannot read gives no input (then the rules say what is missing)
        if request.method not in ("POST", "PUT"):
            try:
                data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
            except (UnicodeDecodeError, ValueError):
                return {}
            return data if isinstance(data, dict) else {}
        try:
            data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError):
            return _invalid({"body": ["The request body must be valid JSON."]})
        if not isinstance(data, dict):
            return _invalid({"body": ["The request body must be a JSON object."]})
        return data

    @staticmethod
    def _token(request: BoundedRequest, fields: dict[str, Any] | _Fail) -> str | None:
        """As Laravel's token guard: the query, then the payload, then the Bearer header; the first given."""
        given = request.args.get("api_token")
        if not given and isinstance(fields, dict) and isinstance(fields.get("api_token"), str):
            given = fields["api_token"]
        if not given:
            scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() == "bearer":
                given = value.strip()
        return given or None

    @staticmethod
    def _valid(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        fields = {k: v for k, v in fields.items() if k != "api_token"}
        errors: dict[str, list[str]] = {}
        for error in _VALIDATORS[kind].iter_errors(fields):
            if error.validator == "required":
                field = error.message.split("'")[1]
                errors.setdefault(field, []).append(f"The {field.replace('_', ' ')} field is required.")
            else:
                field = str(error.path[0]) if error.path else "body"
                errors.setdefault(field, []).append(f"The {field.replace('_', ' ')} field is invalid.")
        if errors:
            raise _invalid(errors)
        return {k: v for k, v in fields.items() if k in _VALIDATORS[kind].schema["properties"]}

    # -- pagination ---------------------------------------------------------------------------------

    def _page(self, request: BoundedRequest, items: list[dict[str, Any]], full: bool) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        page = _positive(request.args.get("page"), 1, 1_000_000, "page", errors)
        per_page = _positive(request.args.get("per_page"), 15, 100, "per_page", errors)
        if errors:
            raise _invalid(errors)
        path = request.host_url.rstrip("/") + request.path
        kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "api_token")]

        def url(n: int) -> str:
            return f"{path}?{urlencode(kept + [('page', n)])}"

        offset = (page - 1) * per_page
        data = copy.deepcopy(items[offset:offset + per_page])
        last = max(1, math.ceil(len(items) / per_page))
        has_next = offset + per_page < len(items)
        body: dict[str, Any] = {"current_page": page, "data": data, "first_page_url": url(1),
                                "from": offset + 1 if data else None}
        if full:
            body.update(last_page=last, last_page_url=url(last), links=[
                {"url": url(page - 1) if page > 1 else None, "label": "&laquo; Previous", "active": False},
                *({"url": url(n), "label": str(n), "active": n == page} for n in range(1, last + 1)),
                {"url": url(page + 1) if has_next else None, "label": "Next &raquo;", "active": False}])
        body.update(next_page_url=url(page + 1) if has_next else None, path=path, per_page=per_page,
                    prev_page_url=url(page - 1) if page > 1 else None, to=offset + len(data) if data else None)
        if full:
            body["total"] = len(items)
        return body

    # -- lookups ------------------------------------------------------------------------------------

    def _store(self, slug: str) -> dict[str, Any]:
        store = self.stores.get(slug)
        if store is None:
            raise _Fail(404, "Store not found.")
        return store

    def _product(self, slug: str, product_id: str) -> dict[str, Any]:
        self._store(slug)
        product = self.products[slug].get(product_id)
        if product is None:
            raise _Fail(404, "Product not found.")
        return product

    # -- endpoints ----------------------------------------------------------------------------------

    def list_stores(self, request: BoundedRequest, fields: dict[str, Any]) -> Response:
        with self.lock:
            return self._json(self._page(request, list(self.stores.values()), full=True))

    def create_store(self, request: BoundedRequest, fields: dict[str, Any]) -> Response:
        values = self._valid("store_create", fields)
        with self.lock:
            store = self._new_store(values, datetime.now(timezone.utc))
            location = f"{request.host_url.rstrip('/')}/api/stores/{store['slug']}"
            return self._json({"data": copy.deepcopy(store)}, 201, {"Location": location})

    def get_store(self, request: BoundedRequest, fields: dict[str, Any], store_slug: str) -> Response:
        with self.lock:
            return self._json({"data": copy.deepcopy(self._store(store_slug))})

    def update_store(self, request: BoundedRequest, fields: dict[str, Any], store_slug: str) -> Response:
        with self.lock:
            store = self._store(store_slug)
            values = self._valid("store_update", fields)  # replaced: what is left out is what a new store gets
            store.update(name=values["name"], city=values.get("city", ""), currency=values.get("currency", "GBP"),
                         updated_at=_timestamp(datetime.now(timezone.utc)))
            return self._json({"data": copy.deepcopy(store)})

    def delete_store(self, request: BoundedRequest, fields: dict[str, Any], store_slug: str) -> Response:
        with self.lock:
            self._store(store_slug)
            del self.stores[store_slug]
            del self.products[store_slug]
            return self._json({"message": "Store deleted."})

    def list_products(self, request: BoundedRequest, fields: dict[str, Any], store_slug: str) -> Response:
        with self.lock:
            self._store(store_slug)
            items = list(self.products[store_slug].values())
            in_stock = request.args.get("in_stock")
            if in_stock is not None:
                if in_stock not in ("true", "false"):
                    raise _invalid({"in_stock": ["The in stock field must be true or false."]})
                items = [p for p in items if p["in_stock"] == (in_stock == "true")]
            return self._json(self._page(request, items, full=False))

    def create_product(self, request: BoundedRequest, fields: dict[str, Any], store_slug: str) -> Response:
        with self.lock:
            store = self._store(store_slug)
            product = self._new_product(store, self._valid("product_create", fields), datetime.now(timezone.utc))
            location = f"{request.host_url.rstrip('/')}/api/stores/{store_slug}/products/{product['id']}"
            return self._json({"data": copy.deepcopy(product)}, 201, {"Location": location})

    def get_product(self, request: BoundedRequest, fields: dict[str, Any], store_slug: str, product_id: str) -> Response:
        with self.lock:
            return self._json({"data": copy.deepcopy(self._product(store_slug, product_id))})

    def update_product(self, request: BoundedRequest, fields: dict[str, Any], store_slug: str,
                       product_id: str) -> Response:
        with self.lock:
            product = self._product(store_slug, product_id)
            values = self._valid("product_update", fields)  # replaced: what is left out is what a new product gets
            product.update(name=values["name"], sku=values.get("sku"), price_cents=values["price_cents"],
                           currency=values.get("currency", self.stores[store_slug]["currency"]),
                           in_stock=values.get("in_stock", True), updated_at=_timestamp(datetime.now(timezone.utc)))
            return self._json({"data": copy.deepcopy(product)})

    def delete_product(self, request: BoundedRequest, fields: dict[str, Any], store_slug: str,
                       product_id: str) -> Response:
        with self.lock:
            self._product(store_slug, product_id)
            del self.products[store_slug][product_id]
            self.stores[store_slug]["products_count"] -= 1
            return self._json({"message": "Product deleted."})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _from_form(key: str, value: str) -> Any:
    """A form field's text as the type the JSON field has (Laravel's ``integer``/``boolean`` rules)."""
    if PRODUCT_FIELDS.get(key, {}).get("type") == "integer" and re.fullmatch(r"-?[0-9]{1,12}", value):
        return int(value)
    if PRODUCT_FIELDS.get(key, {}).get("type") == "boolean" and value.lower() in ("1", "0", "true", "false"):
        return value.lower() in ("1", "true")
    return value


def _positive(raw: str | None, default: int, high: int, name: str, errors: dict[str, list[str]]) -> int:
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not 1 <= int(raw) <= high:
        errors[name] = [f"The {name.replace('_', ' ')} field must be an integer between 1 and {high}."]
        return default
    return int(raw)


# -- the OpenAPI description, as the team keeps it ----------------------------------------------------

def _validation_error() -> dict[str, Any]:
    return {"$ref": "#/components/responses/ValidationError"}


_STORE_SLUG = {"name": "store_slug", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "The store's slug, as listed by `GET /api/stores`."}
_PRODUCT_ID = {"name": "product_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^prd_[0-9a-f]{12}$"}}
_PAGE = {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}}
_PER_PAGE = {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 15}}
_MESSAGE = {"$ref": "#/components/responses/Message"}


def _data(ref: str) -> dict[str, Any]:
    return {"type": "object", "required": ["data"], "properties": {"data": {"$ref": ref}}}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "ConnectNow Shops API", "version": "1.7.0",
             "description": "Send `Accept: application/json` with every request. Endpoints that need a token say so "
                            "(pass it as `api_token` in the query or the payload, or as a Bearer token)."},
    "servers": [{"url": "https://shops.connectnow.example"}],
    "security": [{"bearerToken": []}, {"queryToken": []}],
    "paths": {
        "/api/stores": {
            "get": {"operationId": "listStores", "summary": "List stores (public)", "security": [],
                    "parameters": [{**_PAGE, "example": 1}, _PER_PAGE],
                    "responses": {"200": {"description": "A page of stores",
                                          "content": _json_content({"$ref": "#/components/schemas/StorePage"})},
                                  "422": _validation_error(), "429": _MESSAGE}},
            "post": {"operationId": "createStore", "summary": "Open a store",
                     "requestBody": {"required": True, "content": _json_content({"$ref": "#/components/schemas/StoreInput"})},
                     "responses": {"201": {"description": "Created",
                                           "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
                                           "content": _json_content(_data("#/components/schemas/Store"))},
                                   "401": _MESSAGE, "403": _MESSAGE, "422": _validation_error(), "429": _MESSAGE}},
        },
        "/api/stores/{store_slug}": {
            "parameters": [_STORE_SLUG],
            "get": {"operationId": "getStore", "summary": "Show a store (public)", "security": [],
                    "responses": {"200": {"description": "The store", "content": _json_content(_data("#/components/schemas/Store"))},
                                  "404": _MESSAGE, "429": _MESSAGE}},
            "put": {"operationId": "updateStore", "summary": "Update a store",
                    "requestBody": {"required": True, "content": _json_content({"$ref": "#/components/schemas/StoreUpdate"})},
                    "responses": {"200": {"description": "The store", "content": _json_content(_data("#/components/schemas/Store"))},
                                  "401": _MESSAGE, "403": _MESSAGE, "404": _MESSAGE, "422": _validation_error(), "429": _MESSAGE}},
            "delete": {"operationId": "deleteStore", "summary": "Close a store",
                       "responses": {"200": _MESSAGE, "401": _MESSAGE, "403": _MESSAGE, "404": _MESSAGE, "429": _MESSAGE}},
        },
        "/api/stores/{store_slug}/products": {
            "parameters": [_STORE_SLUG],
            "get": {"operationId": "listProducts", "summary": "List a store's products",
                    "parameters": [_PAGE, {**_PER_PAGE, "example": 10},
                                   {"name": "in_stock", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}}],
                    "responses": {"200": {"description": "A page of products",
                                          "content": _json_content({"$ref": "#/components/schemas/ProductPage"})},
                                  "401": _MESSAGE, "404": _MESSAGE, "422": _validation_error(), "429": _MESSAGE}},
            "post": {"operationId": "createProduct", "summary": "Add a product",
                     "requestBody": {"required": True, "content": _json_content({"$ref": "#/components/schemas/ProductInput"})},
                     "responses": {"201": {"description": "Created",
                                           "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
                                           "content": _json_content(_data("#/components/schemas/Product"))},
                                   "401": _MESSAGE, "403": _MESSAGE, "404": _MESSAGE, "422": _validation_error(), "429": _MESSAGE}},
        },
        "/api/stores/{store_slug}/products/{product_id}": {
            "parameters": [_STORE_SLUG, _PRODUCT_ID],
            "get": {"operationId": "getProduct", "summary": "Show a product",
                    "responses": {"200": {"description": "The product", "content": _json_content(_data("#/components/schemas/Product"))},
                                  "401": _MESSAGE, "404": _MESSAGE, "429": _MESSAGE}},
            "put": {"operationId": "updateProduct", "summary": "Replace a product",
                    "requestBody": {"required": True, "content": _json_content({"$ref": "#/components/schemas/ProductUpdate"})},
                    "responses": {"200": {"description": "The product", "content": _json_content(_data("#/components/schemas/Product"))},
                                  "401": _MESSAGE, "403": _MESSAGE, "404": _MESSAGE, "422": _validation_error(), "429": _MESSAGE}},
            "delete": {"operationId": "deleteProduct", "summary": "Remove a product",
                       "responses": {"200": _MESSAGE, "401": _MESSAGE, "403": _MESSAGE, "404": _MESSAGE, "429": _MESSAGE}},
        },
    },
    "components": {
        "securitySchemes": {
            "bearerToken": {"type": "http", "scheme": "bearer", "description": "A personal API token."},
            "queryToken": {"type": "apiKey", "in": "query", "name": "api_token"},
        },
        "responses": {
            "Message": {"description": "A message", "content": _json_content({"$ref": "#/components/schemas/Message"})},
            "ValidationError": {"description": "The request is malformed, or data is missing or incorrect",
                                "content": _json_content({"$ref": "#/components/schemas/ValidationError"})},
        },
        "schemas": {
            "Message": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
            "ValidationError": {"type": "object", "required": ["message", "errors"],
                                "properties": {"message": {"type": "string"},
                                               "errors": {"type": "object", "additionalProperties": {
                                                   "type": "array", "items": {"type": "string"}}}}},
            "Store": {"type": "object", "required": ["slug", "name", "city", "currency", "products_count", "created_at", "updated_at"],
                      "properties": {"slug": {"type": "string"}, "name": {"type": "string"}, "city": {"type": "string"},
                                     "currency": {"type": "string", "enum": CURRENCIES},
                                     "products_count": {"type": "integer", "minimum": 0},
                                     "created_at": {"type": "string", "format": "date-time"},
                                     "updated_at": {"type": "string", "format": "date-time"}}},
            "StoreInput": STORE_CREATE,
            "StoreUpdate": STORE_UPDATE,
            "Product": {"type": "object",
                        "required": ["id", "store_slug", "name", "sku", "price_cents", "currency", "in_stock", "created_at", "updated_at"],
                        "properties": {"id": {"type": "string"}, "store_slug": {"type": "string"}, "name": {"type": "string"},
                                       "sku": {"type": ["string", "null"]}, "price_cents": {"type": "integer"},
                                       "currency": {"type": "string", "enum": CURRENCIES}, "in_stock": {"type": "boolean"},
                                       "created_at": {"type": "string", "format": "date-time"},
                                       "updated_at": {"type": "string", "format": "date-time"}}},
            "ProductInput": PRODUCT_CREATE,
            "ProductUpdate": PRODUCT_UPDATE,
            "PageLink": {"type": "object", "properties": {"url": {"type": ["string", "null"]}, "label": {"type": "string"},
                                                          "active": {"type": "boolean"}}},
            "StorePage": {"type": "object",
                          "required": ["current_page", "data", "first_page_url", "from", "last_page", "last_page_url", "links",
                                       "next_page_url", "path", "per_page", "prev_page_url", "to", "total"],
                          "properties": {"current_page": {"type": "integer"},
                                         "data": {"type": "array", "items": {"$ref": "#/components/schemas/Store"}},
                                         "first_page_url": {"type": "string"}, "from": {"type": ["integer", "null"]},
                                         "last_page": {"type": "integer"}, "last_page_url": {"type": "string"},
                                         "links": {"type": "array", "items": {"$ref": "#/components/schemas/PageLink"}},
                                         "next_page_url": {"type": ["string", "null"]}, "path": {"type": "string"},
                                         "per_page": {"type": "integer"}, "prev_page_url": {"type": ["string", "null"]},
                                         "to": {"type": ["integer", "null"]}, "total": {"type": "integer"}}},
            "ProductPage": {"type": "object",
                            "required": ["current_page", "data", "first_page_url", "from", "next_page_url", "path", "per_page",
                                         "prev_page_url", "to"],
                            "properties": {"current_page": {"type": "integer"},
                                           "data": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
                                           "first_page_url": {"type": "string"}, "from": {"type": ["integer", "null"]},
                                           "next_page_url": {"type": ["string", "null"]}, "path": {"type": "string"},
                                           "per_page": {"type": "integer"}, "prev_page_url": {"type": ["string", "null"]},
                                           "to": {"type": ["integer", "null"]}}},
        },
    },
}
