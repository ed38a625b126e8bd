from __future__ import annotations

import base64

import pytest
from django.core.cache import cache

from tests.factories import UserFactory, make_catalog

pytestmark = pytest.mark.django_db

# Pinned SQL queries per answer, the same at 8 and at 120 tokens: the count, the page of
# tokens with issuer and underlying, their deployments; one token adds its venues,
# documents, corporate actions, each deployment's latest supply and its oracle feed.
API_LISTS = [
    ("/api/v1/tokens/?limit=600", 3),
    ("/api/v1/tokens/?chain=solana&sort=-symbol", 3),
    ("/api/v1/tokens/?q=zzz", 1),  # nothing matches: no page query
    ("/api/v1/tokens/B3x/", 7),
    ("/api/v1/prices/", 1),
    ("/api/v1/reserves/", 2),
    ("/api/v1/tokens/B3x/reserves/", 3),
    ("/api/v1/tokens/B3x/reserves/history/", 2),
    ("/api/v1/tokens/B3x/prices/", 2),
    ("/api/v1/oracle/", 1),  # no Data Streams feed: the feeds query alone
]


@pytest.mark.parametrize(("url", "queries"), API_LISTS)
def test_api_answers_run_a_pinned_number_of_queries(
    backed_catalogue, get_with_queries, settings, url, queries
):
    settings.PUBLIC_CACHE_SECONDS = 0  # count the rendering, not the whole-answer cache
    for size in (8, 120):
        backed_catalogue(size)
        get_with_queries(url, queries + (1 if "chain=" in url else 0))  # options, then cached
        get_with_queries(url, queries)


def test_token_list_is_paginated_with_limit_and_offset(client):
    make_catalog(7)
    body = client.get("/api/v1/tokens/?limit=3&offset=2").json()
    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert body["next"] and "offset=5" in body["next"]
    first = body["results"][0]
    assert {"symbol", "multiplier", "underlying", "issuer", "deployments"} <= first.keys()
    assert first["underlying"]["isin"]
    assert first["multiplier"] == "1"  # Decimal as a plain string, never a float


def test_token_detail_by_symbol_with_latest_supply(client, backed_catalogue):
    backed_catalogue(2)
    body = client.get("/api/v1/tokens/B1x/").json()
    assert body["symbol"] == "B1x"
    assert {d["chain"] for d in body["deployments"]} == {"ethereum", "solana"}
    supplies = {d["chain"]: d["supply"] for d in body["deployments"]}
    assert supplies["ethereum"]["supply"] == "50" and supplies["solana"]["circulating"] == "50"
    assert "venues" in body and "corporate_actions" in body


def test_api_filters_like_the_page(client):
    tokens = make_catalog(3)
    body = client.get(f"/api/v1/tokens/?q={tokens[2].symbol}").json()
    assert [t["symbol"] for t in body["results"]] == [tokens[2].symbol]
    assert client.get("/api/v1/tokens/?kind=bond").status_code == 400


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=1e20", "limit"),
        ("limit=100000000000000000000", "limit"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=-3", "limit"),
        ("offset=1e3", "offset"),
        ("offset=-1", "offset"),
        ("offset=100000000000000000000", "offset"),
        ("chain=polygon", "chain"),
        ("sort=price", "sort"),
        ("q=%00", "q"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_bad_list_parameters_answer_400_with_the_reason(client, query, field):
    make_catalog(1)
    response = client.get(f"/api/v1/tokens/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    reasons = response.json()[field]
    assert reasons and all(isinstance(r, str) and len(r) < 200 for r in reasons)


def test_api_is_read_only(client):
    token = make_catalog(1)[0]
    assert client.post("/api/v1/tokens/", {}).status_code == 405
    assert client.delete(f"/api/v1/tokens/{token.symbol}/").status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tokens/",
        "/api/v1/prices/",
        "/api/v1/reserves/",
        "/api/v1/tokens/NOPEx/reserves/",
    ],
)
def test_a_wrong_basic_header_is_ignored_never_checked(client, url):
    """Password guessing through the API: no authentication runs at all, so a wrong
    password is neither checked nor answered (it was 'Invalid username/password')."""
    user = UserFactory()
    token = base64.b64encode(f"{user.username}:wrong-password".encode()).decode()
    response = client.get(url, HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code in (200, 404)
    assert b"Invalid username/password" not in response.content
    assert "WWW-Authenticate" not in response


def test_anonymous_api_use_is_throttled_per_client_address(client, settings):
    settings.API_ANON_RATE = "3/minute"
    make_catalog(1)
    for _ in range(3):
        assert client.get("/api/v1/tokens/").status_code == 200
    refused = client.get("/api/v1/tokens/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]
    # Another address has its own allowance.
    assert client.get("/api/v1/tokens/", REMOTE_ADDR="198.51.100.7").status_code == 200


def test_a_forged_forwarded_for_does_not_escape_the_throttle(client, settings):
    settings.API_ANON_RATE = "2/minute"
    settings.TRUSTED_PROXIES = []
    for n in range(2):
        client.get("/api/v1/prices/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    forged = client.get("/api/v1/prices/", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert forged.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_throttled(client, settings):
    settings.API_ANON_RATE = "1/minute"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    assert (
        client.get("/api/v1/prices/", HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy).status_code
        == 200
    )
    assert (
        client.get("/api/v1/prices/", HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy).status_code
        == 429
    )
    assert (
        client.get("/api/v1/prices/", HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy).status_code
        == 200
    )
    cache.clear()


def test_openapi_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/tokens/" in schema.content
    docs = client.get("/api/docs/")
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html and "<style>" not in html  # runs under the CSP
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nothing/",
        "/api/v1/tokens/%00/",
        "/api/v1/tokens/a%20b/reserves/",
        "/api/v1/tokens/x" + "y" * 30 + "/",
    ],
)
def test_unknown_api_urls_and_impossible_symbols_answer_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_impossible_symbols_on_pages_answer_404_pages(client):
    response = client.get("/tokens/%00/")
    assert response.status_code == 404 and b"Not found" in response.content
