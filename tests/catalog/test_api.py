from __future__ import annotations

import pytest

from tests.factories import make_catalog

pytestmark = pytest.mark.django_db


def test_token_list_is_paginated_with_limit_and_offset(client):
    make_catalog(7)
    body = client.get("/api/v1/tokens/?limit=3&offset=2").json()
    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert body["next"] and "offset=5" in body["next"]
    first = body["results"][0]
    assert {"symbol", "multiplier", "underlying", "issuer", "deployments"} <= first.keys()
    assert first["underlying"]["isin"]
    assert isinstance(first["multiplier"], str)  # Decimal as a string, never a float


def test_token_detail_by_symbol(client):
    token = make_catalog(1)[0]
    body = client.get(f"/api/v1/tokens/{token.symbol}/").json()
    assert body["symbol"] == token.symbol
    assert {d["chain"] for d in body["deployments"]} == {"ethereum", "solana"}
    assert "venues" in body and "corporate_actions" in body


def test_api_filters_like_the_page(client):
    tokens = make_catalog(3)
    body = client.get(f"/api/v1/tokens/?q={tokens[2].symbol}").json()
    assert [t["symbol"] for t in body["results"]] == [tokens[2].symbol]
    assert client.get("/api/v1/tokens/?kind=bond").status_code == 400


def test_api_is_read_only(client):
    token = make_catalog(1)[0]
    assert client.post("/api/v1/tokens/", {}).status_code in (403, 405)
    assert client.delete(f"/api/v1/tokens/{token.symbol}/").status_code in (403, 405)


def test_openapi_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/tokens/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower()
