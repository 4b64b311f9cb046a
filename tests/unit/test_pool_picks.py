"""schemathesis' resource pool, as the suite asks it: a pick is kept only from an answer about the resource.

Stripe documents a customer's source as any of an account, a bank account, a card or a source, so the pool
offers the ``id`` of any account the suite created for GET /v1/customers/{customer}/cards/{id}: seen in the
answer to POST /v1/accounts. A card's id is never an account's; the reach report must not say it came from
there. Judged on a hand-made answer, no server."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from conformance.models import Exchange, PathValue, Request, Response
from conformance.plan import Target
from conformance.resources import Resources
from conformance.resources.discovery import _about
from conformance.spec import load_spec

STRIPE = Path(__file__).resolve().parents[3] / "shared" / "realworld" / "specs" / "stripe-spec3.apisguru.json"


def test_a_source_is_about_a_collection_when_its_path_names_it():
    assert _about("POST /v1/customers/{customer}/sources", "/v1/customers/{customer}/sources")
    assert _about("POST /v1/customers/{customer}/sources", "/v1/test_helpers/customers")
    assert _about("POST /buckets/{bucket_id}/collections", "/buckets/{bucket_id}/collections")
    assert _about("an earlier answer", "/v1/customers/{customer}/cards")
    assert not _about("POST /v1/accounts", "/v1/customers/{customer}/cards")


@pytest.mark.skipif(not STRIPE.exists(), reason="../shared/realworld is not beside the checkout")
def test_an_accounts_id_is_never_taken_for_a_cards():
    spec = load_spec(str(STRIPE), "http://api.test", timeout=5, session=requests.Session())
    ops = {op.label: op for op in spec.operations}
    resources = Resources(spec)
    prepared = requests.Request("POST", "http://api.test/v1/accounts", data={"type": "custom"}).prepare()
    body = b'{"id": "acct_5UBb9JlPgGRpwug5", "object": "account", "type": "custom"}'
    answer = Exchange("create", Request("POST", prepared.url, dict(prepared.headers), prepared.body.encode()),
                      Response(200, {"content-type": ["application/json"]}, body), operation="POST /v1/accounts",
                      prepared=prepared)
    with resources.learning():
        resources.observe(ops["POST /v1/accounts"], answer)
    card = ops["GET /v1/customers/{customer}/cards/{id}"]
    value = resources.resolve(card, Target.EXISTING, {"customer": PathValue("cus_1", "user", "--conformance-param")})
    assert value["id"].value != "acct_5UBb9JlPgGRpwug5", value["id"]
    assert not value["id"].real, value["id"]  # nothing about a card was seen: the id is not known to exist
