"""Creation in the media type the operation declares (issue 19): a Stripe-like API reads only forms, nested
fields in brackets, a price names its product, an image is a multipart upload. The suite creates there, fills a
reference with a resource it found or created, and reaches every operation; where the spec gives no DELETE it
creates only with --conformance-writable, and the hint says so."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.forms import decode_form, encode_form, encode_multipart, form_pairs
from conformance.resources.references import plurals, referenced_word
from independent import form_shop
from independent.serving import LoopbackServer

CATALOG = """profile: form-shop
title: HTTP semantics, the key as a Bearer token
extends: http
auth:
  scheme: token
  channels:
    - {in: header, name: Authorization, format: "Bearer {token}"}
"""


# -- the fast layer: encoding, no server --------------------------------------------------------------------
def test_a_deep_object_travels_in_brackets_and_arrays_indexed():
    fields = {"name": "x", "metadata": {"colour": "red", "size": {"w": 2}}, "images": ["a", "b"], "active": True}
    encoding = {"metadata": {"style": "deepObject", "explode": True}, "images": {"style": "deepObject"}}
    assert form_pairs(fields, encoding) == [("name", "x"), ("metadata[colour]", "red"), ("metadata[size][w]", "2"),
                                            ("images[0]", "a"), ("images[1]", "b"), ("active", "true")]


def test_a_form_field_without_encoding_follows_openapi_defaults():
    """Style form, exploded: an array repeats its name, an object's properties travel as fields; not exploded:
    comma-separated."""
    assert form_pairs({"tag": ["a", "b"], "point": {"x": 1, "y": 2}}) == [("tag", "a"), ("tag", "b"), ("x", "1"),
                                                                        ("y", "2")]
    assert form_pairs({"tag": ["a", "b"]}, {"tag": {"style": "form", "explode": False}}) == [("tag", "a,b")]
    assert form_pairs({"tag": ["a", "b"]}, {"tag": {"style": "pipeDelimited"}}) == [("tag", "a|b")]
    assert encode_form({"q": "a b&c", "none": None}) == b"q=a+b%26c"


def test_a_multipart_body_sends_binary_as_a_file_and_objects_as_json():
    schema = {"properties": {"file": {"type": "string", "format": "binary"}}}
    data, content_type = encode_multipart({"file": b"\x00\x01", "meta": {"a": 1}, "name": "n"}, schema)
    assert content_type.startswith("multipart/form-data; boundary=")
    text = data.decode("latin-1")
    assert 'name="file"; filename="file.bin"' in text and "Content-Type: application/octet-stream" in text
    assert 'name="meta"' in text and '{"a": 1}' in text and "Content-Type: application/json" in text


def test_a_sent_form_is_read_back_for_the_ids_the_client_chose():
    assert decode_form(b"id=movies%2Fa&metadata[x]=1") == {"id": "movies/a"}
    assert decode_form(b"") is None


@pytest.mark.parametrize("name, word", [("product", "product"), ("product_id", "product"), ("customerId", "customer"),
                                        ("id", None), ("items", None), ("address", "address"),
                                        ("payment_method", "payment_method")])
def test_a_field_names_the_resource_its_singular_names(name, word):
    assert referenced_word(name) == word


def test_the_collections_a_word_may_name():
    assert {"categories", "payment_methods", "payment-methods"} <= set(plurals("category") + plurals("payment_method"))


# -- the real plugin against a form-only API ---------------------------------------------------------------
@pytest.fixture
def shop(tmp_path):
    app = form_shop.FormShop()
    server = LoopbackServer(app).start()
    (tmp_path / "shop.json").write_text(json.dumps(form_shop.spec()))
    (tmp_path / "shop.yaml").write_text(CATALOG)
    yield server, app
    server.stop()


def run_shop(run_conformance, tmp_path, server, *args: str):
    return run_conformance(None, f"--conformance-spec={tmp_path / 'shop.json'}", *args, url=server.url,
                           profile=str(tmp_path / "shop.yaml"), token=form_shop.TOKEN, forbidden=None)


def test_a_form_only_api_is_created_in_and_reached_on_every_operation(run_conformance, tmp_path, shop):
    server, app = shop
    outcome = run_shop(run_conformance, tmp_path, server, "--conformance-writable=/v1/prices")
    assert outcome.result.ret == 0, outcome.result.stdout.str()[-3000:]
    reach = outcome.report["summary"]["reach"]
    assert reach["reached"] == reach["operations"] == 9, json.dumps(reach, indent=1)
    posts = {ct.split(";")[0] for method, path, ct in app.bodies if method == "POST" and path.startswith("/v1/prices")}
    assert posts == {"application/x-www-form-urlencoded"}, posts
    uploads = {ct.split(";")[0] for method, path, ct in app.bodies if path.endswith("/images")}
    assert uploads == {"multipart/form-data"}, uploads
    assert all(price["product"].startswith("prod_") for price in app.prices.values()) and app.prices
    price = reach["by_operation"]["GET /v1/prices/{price}"]
    assert any(v["source"] == "created" for v in price["values"]), json.dumps(price, indent=1)


def test_a_collection_without_delete_is_created_in_only_when_the_user_lets_it(run_conformance, tmp_path, shop):
    server, app = shop
    outcome = run_shop(run_conformance, tmp_path, server)
    by_operation: dict[str, Any] = outcome.report["summary"]["reach"]["by_operation"]
    item = by_operation["GET /v1/prices/{price}"]
    assert not item["reached"] and "--conformance-writable=/v1/prices" in item["hint"], json.dumps(item, indent=1)
    assert by_operation["GET /v1/products/{id}"]["reached"] and by_operation["POST /v1/products/{id}/images"]["reached"]
    assert not app.prices or all(method == "POST" for method, path, _ in app.bodies if path.startswith("/v1/prices"))


def test_a_valid_generated_body_names_a_resource_that_exists_and_carries_the_users_fields(run_conformance, tmp_path,
                                                                                           shop):
    """Without --conformance-writable the suite creates no price of its own; the generated POSTs still reach
    the collection once their product names one that exists and their currency is the one the user gave
    (the generator's ``^[a-z]{3}$`` draws codes the API does not know)."""
    server, app = shop
    outcome = run_shop(run_conformance, tmp_path, server, "--conformance-param=/v1/prices:body:currency=eur")
    post = outcome.report["summary"]["reach"]["by_operation"]["POST /v1/prices"]
    assert post["reached"], json.dumps(post, indent=1)
    assert app.prices and {p["currency"] for p in app.prices.values()} == {"eur"}
    assert all(p["product"] in app.products or p["product"].startswith("prod_") for p in app.prices.values())
