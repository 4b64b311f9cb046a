"""The independent servers keep their documents and HTTP itself, checked without the plugin.

These tests are what makes a failure of tests/test_independent_servers.py a finding about the tool: each
promise of a document that the tool judges is shown here to hold, with plain requests.
"""

from __future__ import annotations

import base64
import json
import socket

import pytest
import requests

from . import basic_crud_notes, connectnow_shop, featbit_flags
from .basic_crud_notes import BasicCrudNotes
from .connectnow_shop import ConnectNowShop
from .featbit_flags import FeatBitFlags


def _raw(url: str, data: bytes) -> bytes:
    """Send raw bytes on one connection and read until the server closes it."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# -- FeatBit ------------------------------------------------------------------------------------------

@pytest.fixture
def featbit(serve):
    server = serve(FeatBitFlags())
    auth = {"Authorization": featbit_flags.TOKEN}
    workspace = requests.get(server.url + "/api/v2/workspaces", headers=auth).json()["data"][0]["id"]
    env = requests.get(f"{server.url}/api/v2/workspaces/{workspace}/environments", headers=auth).json()["data"][0]["id"]
    server.flags = f"{server.url}/api/v2/workspaces/{workspace}/environments/{env}/flags"
    return server


def test_featbit_raw_token_only(featbit):
    assert requests.get(featbit.flags, headers={"Authorization": featbit_flags.TOKEN}).status_code == 200
    for headers, params in [({}, {}), ({"Authorization": "Bearer " + featbit_flags.TOKEN}, {}),
                            ({}, {"token": featbit_flags.TOKEN}), ({"Authorization": "nope"}, {})]:
        response = requests.get(featbit.flags, headers=headers, params=params)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"]
        assert response.json() == {"data": None, "errors": ["Unauthorized"], "success": False}


def test_featbit_json_everywhere_with_the_error_format(featbit):
    auth = {"Authorization": featbit_flags.TOKEN}
    answers = [requests.get(featbit.url + "/nowhere", headers=auth),
               requests.post(featbit.flags + "/dark-mode", headers=auth),
               requests.post(featbit.flags, headers=auth, data={"key": "a", "name": "b"}),
               requests.post(featbit.flags, headers={**auth, "Content-Type": "application/json"}, data=b"{"),
               requests.get(featbit.flags + "/no-such-flag", headers=auth)]
    assert [a.status_code for a in answers] == [404, 405, 415, 400, 404]
    for answer in answers:
        assert answer.headers["Content-Type"].split(";")[0] == "application/json"
        body = answer.json()
        assert body["success"] is False and body["data"] is None and body["errors"]
        assert all(isinstance(e, str) for e in body["errors"])
    assert answers[1].headers["Allow"] == "OPTIONS, GET, HEAD, PUT, PATCH, DELETE"


def test_featbit_read_only_token_reads_but_may_not_write(featbit):
    read_only = {"Authorization": featbit_flags.READ_ONLY_TOKEN}
    assert requests.get(featbit.flags, headers=read_only).status_code == 200
    response = requests.post(featbit.flags, headers=read_only, json={"key": "ro", "name": "Read only"})
    assert response.status_code == 403
    assert response.json()["errors"] == ["Forbidden"]


def test_featbit_cors_as_the_document_says(featbit):
    auth = {"Authorization": featbit_flags.TOKEN}
    assert requests.get(featbit.flags, headers=auth).headers["Access-Control-Allow-Origin"] == "*"
    echoed = requests.get(featbit.flags, headers={**auth, "Origin": "https://app.example"})
    assert echoed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Origin" in echoed.headers["Vary"]
    preflight = requests.options(featbit.flags + "/dark-mode", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert preflight.headers["Access-Control-Allow-Headers"] == featbit_flags.CORS_ALLOW_HEADERS
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"].split(", ")
    assert preflight.headers["Access-Control-Max-Age"] == "300"
    assert preflight.headers["Content-Type"].startswith("application/json")


def test_featbit_create_patch_delete(featbit):
    auth = {"Authorization": featbit_flags.TOKEN}
    created = requests.post(featbit.flags, headers=auth, json={"key": "new-flag", "name": "New", "description": "d"})
    assert created.status_code == 201 and created.headers["Location"].endswith("/flags/new-flag")
    patched = requests.patch(featbit.flags + "/new-flag", headers=auth,
                             json=[{"op": "replace", "path": "/name", "value": "Renamed"},
                                   {"op": "remove", "path": "/description"}])
    assert patched.json()["data"]["name"] == "Renamed" and patched.json()["data"]["description"] == ""
    assert requests.delete(featbit.flags + "/new-flag", headers=auth).json() == {"data": True, "errors": [], "success": True}
    assert requests.get(featbit.flags + "/new-flag", headers=auth).status_code == 404


# -- ConnectNow ---------------------------------------------------------------------------------------

@pytest.fixture
def shop(serve):
    server = serve(ConnectNowShop())
    server.store = requests.get(server.url + "/api/stores").json()["data"][0]["slug"]
    server.products = f"{server.url}/api/stores/{server.store}/products"
    return server


def test_connectnow_token_in_query_payload_or_bearer(shop):
    token = connectnow_shop.TOKEN
    assert requests.get(shop.products, params={"api_token": token}).status_code == 200
    assert requests.get(shop.products, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    by_form = requests.post(shop.products, data={"api_token": token, "name": "Loaf", "price_cents": "250"})
    by_json = requests.post(shop.products, json={"api_token": token, "name": "Roll", "price_cents": 90})
    assert (by_form.status_code, by_json.status_code) == (201, 201)
    assert "api_token" not in by_json.text
    for headers, params in [({}, {}), ({"Authorization": token}, {}), ({}, {"api_token": "wrong"})]:
        response = requests.get(shop.products, headers=headers, params=params)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_connectnow_statuses_of_the_document(shop):
    auth = {"Authorization": f"Bearer {connectnow_shop.TOKEN}", "Accept": "application/json"}
    read_only = {"Authorization": f"Bearer {connectnow_shop.READ_ONLY_TOKEN}"}
    assert requests.get(shop.products, headers=read_only).status_code == 200
    assert requests.post(shop.products, headers=read_only, json={"name": "x", "price_cents": 1}).status_code == 403
    assert requests.get(shop.products + "/prd_000000000000", headers=auth).status_code == 404
    not_allowed = requests.patch(shop.products, headers=auth)
    assert not_allowed.status_code == 405 and not_allowed.headers["Allow"] == "GET, HEAD, POST"
    for body in [b"{", b"[]", json.dumps({"name": "x"}).encode(), json.dumps({"name": "x", "price_cents": "1"}).encode()]:
        response = requests.post(shop.products, headers={**auth, "Content-Type": "application/json"}, data=body)
        assert response.status_code == 422 and response.json()["errors"]
    for answer in [not_allowed, requests.get(shop.url + "/api/nowhere", headers={"Accept": "text/html"})]:
        assert answer.headers["Content-Type"] == "application/json"


def test_connectnow_put_replaces(shop):
    """ "standard CRUD and REST API principles, using ... PUT for updates": what a PUT leaves out goes back to what a
    new resource gets; a PUT without the required fields is refused."""
    auth = {"Authorization": f"Bearer {connectnow_shop.TOKEN}", "Accept": "application/json"}
    created = requests.post(shop.products, headers=auth, json={"name": "Bap", "price_cents": 80, "sku": "BAP-1",
                                                                "in_stock": False}).json()["data"]
    item = f"{shop.products}/{created['id']}"
    replaced = requests.put(item, headers=auth, json={"name": "Bap", "price_cents": 85})
    assert replaced.status_code == 200
    shown = requests.get(item, headers=auth).json()["data"]
    assert (shown["sku"], shown["in_stock"], shown["price_cents"]) == (None, True, 85)
    assert requests.put(item, headers=auth, json={"sku": "BAP-2"}).status_code == 422


def test_connectnow_pages(shop):
    auth = {"Authorization": f"Bearer {connectnow_shop.TOKEN}"}
    first = requests.get(shop.products, headers=auth, params={"api_token": connectnow_shop.TOKEN}).json()
    assert set(first) == {"current_page", "data", "first_page_url", "from", "next_page_url", "path", "per_page",
                          "prev_page_url", "to"}
    assert (first["current_page"], first["from"], first["to"], first["per_page"]) == (1, 1, 15, 15)
    assert "api_token" not in first["next_page_url"]
    seen = [p["id"] for p in first["data"]]
    url = first["next_page_url"]
    while url:
        page = requests.get(url, headers=auth).json()
        seen += [p["id"] for p in page["data"]]
        url = page["next_page_url"]
    assert len(seen) == len(set(seen)) == 40
    past = requests.get(shop.products, headers=auth, params={"page": 9}).json()
    assert past["data"] == [] and past["from"] is None and past["next_page_url"] is None
    assert requests.get(shop.products, headers=auth, params={"page": 0}).status_code == 422


def test_connectnow_rate_limiter_says_when_to_retry(serve):
    server = serve(ConnectNowShop(rate_limit=3, rate_window=30))
    answers = [requests.get(server.url + "/api/stores") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"


# -- basic-crud ---------------------------------------------------------------------------------------

def _basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


@pytest.fixture
def notes(serve):
    server = serve(BasicCrudNotes())
    server.auth = _basic(basic_crud_notes.TOKEN)
    server.notebook = requests.get(server.url + "/v1/notebooks", headers=server.auth).json()[0]["id"]
    server.notes = f"{server.url}/v1/notebooks/{server.notebook}/notes"
    return server


def test_basic_crud_basic_auth_and_coded_errors(notes):
    for headers in [{}, _basic("notes-client:wrong"), {"Authorization": "Bearer x"}]:
        response = requests.get(notes.url + "/v1/notebooks", headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic ")
        assert response.json() == {"errors": [{"message": "Authentication required.", "code": 20000}]}
    broken = requests.post(notes.notes, headers={**notes.auth, "Content-Type": "application/json"}, data=b"{")
    assert broken.status_code == 400
    assert broken.json() == {"errors": [{"message": "JSON parsing error.", "code": 10000}]}
    read_only = requests.delete(f"{notes.url}/v1/notebooks/{notes.notebook}", headers=_basic(basic_crud_notes.READ_ONLY_TOKEN))
    assert read_only.status_code == 403


def test_basic_crud_verbs(notes):
    created = requests.post(notes.notes, headers=notes.auth, json={"title": "T", "body": "B", "tags": ["x"], "pinned": True})
    assert created.status_code == 201
    note = notes.url + created.headers["Location"]
    replaced = requests.put(note, headers=notes.auth, json={"title": "T2", "body": "B2"}).json()
    assert (replaced["tags"], replaced["pinned"]) == ([], False)  # left out: back to the defaults
    patched = requests.patch(note, headers=notes.auth, json={"pinned": True}).json()
    assert (patched["title"], patched["pinned"]) == ("T2", True)
    got = requests.get(note, headers=notes.auth)
    head = requests.head(note, headers=notes.auth)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"]
    no_head = requests.head(notes.notes, headers=notes.auth)
    assert no_head.status_code == 405 and no_head.headers["Allow"] == "GET, POST"
    deleted = requests.delete(note, headers=notes.auth)
    assert deleted.status_code == 204 and deleted.content == b""
    assert requests.get(note, headers=notes.auth).status_code == 404


def test_basic_crud_dates_are_utc_iso8601(notes):
    from datetime import datetime, timedelta

    for item in requests.get(notes.notes, headers=notes.auth, params={"per_page": 100}).json():
        for field in ("createdAt", "updatedAt"):
            parsed = datetime.fromisoformat(item[field])
            assert parsed.utcoffset() == timedelta(0)


# -- HTTP itself, every server ------------------------------------------------------------------------

@pytest.mark.parametrize("app", [FeatBitFlags, ConnectNowShop, BasicCrudNotes])
def test_unread_body_does_not_leak_into_the_next_request(serve, app):
    server = serve(app())
    # A body the route does not want, then a second request on the same connection: the server answers
    # the first, closes the connection, and never reads the body as a request line.
    body = b"x" * 5000
    raw = _raw(server.url, b"GET /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s"
                           b"GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n" % (len(body), body))
    assert raw.count(b"HTTP/1.1 ") == 1
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b"Connection: close" in head
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    assert len(rest) == length


@pytest.mark.parametrize("app", [FeatBitFlags, ConnectNowShop, BasicCrudNotes])
def test_head_has_headers_and_no_body(serve, app):
    server = serve(app())
    raw = _raw(server.url, b"HEAD /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert rest == b""
    assert b"Content-Length: " in head and b"Content-Type: application/json" in head
