"""Invoices of a small ledger, kept to the ConnectNow API philosophy (seed 004), on the standard library alone.

Unlike the bundled demo and :mod:`.connectnow_shop`, this server is a plain :mod:`http.server` with a routing
table of its own (no WSGI, no Werkzeug). What the document asks, and how it is kept:

- ``Accept: application/json``: every answer is JSON.
- Plural resources, standard CRUD: ``GET``/``POST /api/invoices``, ``GET``/``PUT``/``DELETE
  /api/invoices/{invoice_no}``; ``PUT`` for updates, and a ``PUT`` replaces the invoice with what it encloses
  (an optional field left out goes back to what a new invoice gets: ``status`` to ``draft``, ``memo`` to none).
- Authentication everywhere: ``Authorization: Bearer <token>``, an ``api_token`` query parameter, or an
  ``api_token`` field of the JSON payload; 401 (with ``WWW-Authenticate: Bearer``) otherwise.
- Status codes from the document's table: 200, 201 on create (with ``Location``), 401, 404, 405 (with
  ``Allow``), 422.
- Paginated responses: ``page`` chooses the page, the answer carries the example page's fields. Where the
  document leaves room this server differs from the others: ten invoices a page; its own field order (``data``
  first, the links last); invoice numbers such as ``INV-2024-0007``; a page past the last is a 404 ("The
  resource you are looking for does not exist"), not an empty page; item bodies are bare objects.

``faults`` plants one mistake each, for the tests: ``to-off-by-one``, ``from-wrong``, ``current-page-wrong``,
``over-per-page`` (a page holds one item more than ``per_page``), ``next-past-last`` (the last page links to a
page after it), ``next-null-early`` (the second page says it is the last) and ``put-merges`` (a ``PUT`` keeps
the fields it leaves out, as a ``PATCH`` would).
"""

from __future__ import annotations

import json
import re
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ldg-6b1f0c9e47a2"
PER_PAGE = 10
STATUSES = ["draft", "sent", "paid"]  # a new invoice is a draft
FAULTS = frozenset({"to-off-by-one", "from-wrong", "current-page-wrong", "over-per-page", "next-past-last",
                    "next-null-early", "put-merges"})


class Refusal(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class Ledger:
    """The invoices and what can be done to them; the HTTP side is :class:`LedgerServer`'s."""

    def __init__(self, count: int = 23, faults: set[str] | frozenset[str] = frozenset()) -> None:
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        self.faults = frozenset(faults)
        self.lock = threading.Lock()
        self.invoices: dict[str, dict[str, Any]] = {}
        self.serial = 0
        issued = date(2024, 3, 1)
        for n in range(count):
            self.add({"customer": f"Customer {chr(65 + n % 26)}{n // 26 or ''}", "amount_pence": 1250 + 75 * n,
                      "status": STATUSES[n % 3], **({"memo": f"order {4100 + n}"} if n % 2 else {})},
                     issued + timedelta(days=n))

    def add(self, fields: dict[str, Any], issued: date) -> dict[str, Any]:
        self.serial += 1
        number = f"INV-{issued.year}-{self.serial:04d}"
        invoice = {"invoice_no": number, "issued_on": issued.isoformat(), **self.replaced(fields)}
        self.invoices[number] = invoice
        return invoice

    @staticmethod
    def replaced(fields: dict[str, Any]) -> dict[str, Any]:
        """The writable state a request defines: what it leaves out is what a new invoice has."""
        return {"customer": fields["customer"], "amount_pence": fields["amount_pence"],
                "status": fields.get("status", "draft"), "memo": fields.get("memo")}

    def page(self, number: int, url: str) -> dict[str, Any]:
        rows = list(self.invoices.values())
        last = max(1, -(-len(rows) // PER_PAGE))
        if number > last:
            raise Refusal(404, f"There is no page {number}: the last page is {last}.")
        start = (number - 1) * PER_PAGE
        end = start + PER_PAGE + (1 if "over-per-page" in self.faults else 0)
        shown = rows[start:end]
        first = start + 1 if shown else None
        if first is not None and "from-wrong" in self.faults:
            first = start  # counted from 0
        to = start + len(shown) if shown else None
        if to is not None and "to-off-by-one" in self.faults:
            to += 1
        has_next = number < last
        if "next-past-last" in self.faults:
            has_next = True
        if "next-null-early" in self.faults and number == 2:
            has_next = False
        link = f"{url}?page={{}}"
        return {"data": shown,
                "current_page": 1 if "current-page-wrong" in self.faults else number,
                "per_page": PER_PAGE, "from": first, "to": to, "path": url,
                "first_page_url": link.format(1),
                "prev_page_url": link.format(number - 1) if number > 1 else None,
                "next_page_url": link.format(number + 1) if has_next else None}

    def update(self, number: str, fields: dict[str, Any]) -> dict[str, Any]:
        invoice = self.invoices[number]
        if "put-merges" in self.faults:
            invoice.update({k: v for k, v in fields.items() if k in SCHEMA["properties"]})
        else:
            invoice.update(self.replaced(fields))
        return invoice


SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["customer", "amount_pence"], "additionalProperties": False,
    "properties": {
        "status": {"type": "string", "enum": STATUSES},
        "customer": {"type": "string", "minLength": 1, "maxLength": 60},
        "amount_pence": {"type": "integer", "minimum": 0, "maximum": 100_000_000},
        "memo": {"type": "string", "maxLength": 200},
        "api_token": {"type": "string"},
    },
}


def _valid(fields: Any) -> dict[str, Any]:
    if not isinstance(fields, dict):
        raise Refusal(422, "The request body must be a JSON object.")
    problems = []
    for name in SCHEMA["required"]:
        if name not in fields:
            problems.append(f"{name} is required")
    for name, value in fields.items():
        rule = SCHEMA["properties"].get(name)
        if rule is None:
            problems.append(f"{name} is not a field of an invoice")
        elif rule["type"] == "string" and (not isinstance(value, str) or len(value) < rule.get("minLength", 0)
                                           or len(value) > rule.get("maxLength", 10**6)
                                           or ("enum" in rule and value not in rule["enum"])):
            problems.append(f"{name} is not valid")
        elif rule["type"] == "integer" and (not isinstance(value, int) or isinstance(value, bool)
                                            or not rule["minimum"] <= value <= rule["maximum"]):
            problems.append(f"{name} is not valid")
    if problems:
        raise Refusal(422, "; ".join(problems))
    return {k: v for k, v in fields.items() if k != "api_token"}


ROUTES = [  # (pattern, {method: handler name})
    (re.compile(r"^/api/invoices/?$"), {"GET": "list", "POST": "create"}),
    (re.compile(r"^/api/invoices/(?P<number>[^/]+)/?$"), {"GET": "show", "PUT": "replace", "DELETE": "remove"}),
]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    ledger: Ledger  # set on the subclass each server makes

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (quiet)
        pass

    def do_GET(self) -> None: self._serve()
    def do_POST(self) -> None: self._serve()
    def do_PUT(self) -> None: self._serve()
    def do_DELETE(self) -> None: self._serve()
    def do_PATCH(self) -> None: self._serve()
    def do_OPTIONS(self) -> None: self._serve()

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool = False) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        try:
            status, payload, headers = self._route("GET" if head else self.command, split.path, query, raw)
        except Refusal as refusal:
            status, payload, headers = refusal.status, {"message": refusal.message}, refusal.headers
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _route(self, method: str, path: str, query: dict[str, list[str]], raw: bytes):
        for pattern, methods in ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            if method not in methods:
                allowed = ", ".join(methods)
                raise Refusal(405, f"{method} is not allowed here.", {"Allow": allowed})
            fields: Any = None
            if raw.strip():
                try:
                    fields = json.loads(raw)
                except ValueError:
                    raise Refusal(422, "The request body is not JSON.") from None
            self._authenticate(query, fields)
            with self.ledger.lock:
                return getattr(self, "_" + methods[method])(query, fields, **match.groupdict())
        raise Refusal(404, "Nothing lives at this address.")

    def _authenticate(self, query: dict[str, list[str]], fields: Any) -> None:
        scheme, _, given = (self.headers.get("Authorization") or "").partition(" ")
        tokens = {given.strip()} if scheme.lower() == "bearer" else set()
        tokens |= set(query.get("api_token", []))
        if isinstance(fields, dict) and isinstance(fields.get("api_token"), str):
            tokens.add(fields["api_token"])
        if TOKEN not in tokens:
            raise Refusal(401, "Your API token, or the way you are passing it, is incorrect.",
                          {"WWW-Authenticate": 'Bearer realm="ledger"'})

    def _url(self, path: str) -> str:
        return f"http://{self.headers.get('Host') or '127.0.0.1'}{path}"

    def _invoice(self, number: str) -> dict[str, Any]:
        invoice = self.ledger.invoices.get(number)
        if invoice is None:
            raise Refusal(404, f"There is no invoice {number}.")
        return invoice

    def _list(self, query, fields):
        text = (query.get("page") or ["1"])[-1]
        if not text.isdigit() or int(text) < 1:
            raise Refusal(422, "page must be a whole number from 1.")
        return 200, self.ledger.page(int(text), self._url("/api/invoices")), {}

    def _create(self, query, fields):
        invoice = self.ledger.add(_valid(fields), date(2024, 6, 1))
        return 201, invoice, {"Location": self._url(f"/api/invoices/{invoice['invoice_no']}")}

    def _show(self, query, fields, number):
        return 200, self._invoice(number), {}

    def _replace(self, query, fields, number):
        self._invoice(number)
        return 200, self.ledger.update(number, _valid(fields)), {}

    def _remove(self, query, fields, number):
        self._invoice(number)
        del self.ledger.invoices[number]
        return 200, {"message": f"Invoice {number} deleted."}, {}


class LedgerServer:
    """``with LedgerServer(Ledger()) as server: ...``: the ledger on 127.0.0.1, a free port."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        handler = type("LedgerHandler", (_Handler,), {"ledger": ledger})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="ledger", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "LedgerServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LedgerServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_MESSAGE = {"description": "A message", "content": {"application/json": {"schema": {
    "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}}
_INVOICE = {"type": "object", "required": ["invoice_no", "customer", "amount_pence", "status", "issued_on"],
            "properties": {"invoice_no": {"type": "string"}, "issued_on": {"type": "string", "format": "date"},
                           "customer": {"type": "string"}, "amount_pence": {"type": "integer"},
                           "status": {"type": "string", "enum": STATUSES}, "memo": {"type": ["string", "null"]}}}
_INPUT = {k: v for k, v in SCHEMA.items() if k != "additionalProperties"}
_INPUT = {**_INPUT, "properties": {k: v for k, v in SCHEMA["properties"].items() if k != "api_token"}}
_NUMBER = {"name": "invoice_no", "in": "path", "required": True, "schema": {"type": "string"}}


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Ledger", "version": "2.3.1"},
    "security": [{"bearer": []}],
    "paths": {
        "/api/invoices": {
            "get": {"operationId": "listInvoices",
                    "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                    "responses": {"200": _ok({"type": "object", "required": ["data", "current_page", "next_page_url"],
                                              "properties": {"data": {"type": "array", "items": _INVOICE}}}),
                                  "401": _MESSAGE, "404": _MESSAGE, "422": _MESSAGE}},
            "post": {"operationId": "createInvoice",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _INPUT}}},
                     "responses": {"201": _ok(_INVOICE, "Created"), "401": _MESSAGE, "422": _MESSAGE}},
        },
        "/api/invoices/{invoice_no}": {
            "parameters": [_NUMBER],
            "get": {"operationId": "showInvoice", "responses": {"200": _ok(_INVOICE), "401": _MESSAGE, "404": _MESSAGE}},
            "put": {"operationId": "replaceInvoice",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _INPUT}}},
                    "responses": {"200": _ok(_INVOICE), "401": _MESSAGE, "404": _MESSAGE, "422": _MESSAGE}},
            "delete": {"operationId": "deleteInvoice", "responses": {"200": _MESSAGE, "401": _MESSAGE, "404": _MESSAGE}},
        },
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
}
