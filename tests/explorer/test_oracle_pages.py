"""The oracle beside the site on the token page, the transparency pages and the API, with
reports read over HTTP from the local Data Streams endpoint; pinned query counts."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from decimal import Decimal

import pytest

from apps.catalog.models import PriceFeed, Token
from apps.markets.services import sync_prices
from apps.reserves.models import Alert
from apps.reserves.services import compute_snapshots
from tests.markets.datastreams_helpers import AAPLX_OBSERVATION, Book, local_endpoint, source_for

pytestmark = pytest.mark.django_db


def feed_of(symbol: str) -> str:
    """A v10 feed id for a test token (the real ones exist for 14 tokens only)."""
    return "0x000a" + hashlib.sha256(symbol.encode()).hexdigest()[:60]


def with_feeds(tokens: list[Token], book: Book) -> None:
    """Register a v10 feed for every token (as the registry does) and read its report."""
    PriceFeed.objects.bulk_create(
        PriceFeed(
            token=t,
            provider=PriceFeed.Provider.CHAINLINK_DATA_STREAMS,
            schema=PriceFeed.Schema.V10,
            feed_id=feed_of(t.symbol),
        )
        for t in tokens
        if not PriceFeed.objects.filter(token=t).exists()
    )
    for t in tokens:
        book.observations.setdefault(feed_of(t.symbol), AAPLX_OBSERVATION)
    with local_endpoint(book) as server:
        result = sync_prices(sources=[source_for(server)])
    assert result.errors == {}


# Pinned SQL queries with a feed and a report for every token, the same at 8 and 120 tokens:
# each page or answer that shows the oracle adds the feeds, the latest reports and the
# chains' multipliers (the feeds query alone without any feed).
PAGES = {
    "/api/v1/oracle/": 3,
    "/api/v1/tokens/B3x/": 9,
    "/tokens/B3x/": 14,
    "/transparency/": 8,
    "/transparency/B3x/": 13,  # with the recent public events
}


def test_oracle_pages_run_a_pinned_number_of_queries(
    backed_catalogue, get_with_queries, settings, client
):
    settings.MARKETS_CACHE_SECONDS = 0
    book = Book()
    for size in (8, 120):
        with_feeds(backed_catalogue(size), book)
        client.get("/tokens/")  # the catalogue's filter options, cached from here on
        for url, queries in PAGES.items():
            get_with_queries(url, queries)
    body = client.get("/api/v1/oracle/").json()
    assert body["count"] == 120 and len(body["results"]) == 120


def test_token_page_and_api_show_the_oracle_beside_the_chains(backed_catalogue, client):
    (token, *_) = backed_catalogue(2)
    with_feeds([token], Book())
    html = client.get(f"/tokens/{token.symbol}/").content.decode()
    assert "Price oracle: Chainlink Data Streams" in html
    assert 'class="oracle-market">Open<' in html
    assert 'class="oracle-multiplier">1<br><small>4 from 2030-01-02 00:00 UTC' in html
    assert "Ethereum: 1 <small>(no multiplier read)</small>" in html
    assert "signatures verified (2 signers of the configured set)" in html
    assert "<strong>demo report</strong>" in html
    assert feed_of(token.symbol) in html

    body = client.get(f"/api/v1/tokens/{token.symbol}/").json()
    oracle = body["oracle"]
    assert oracle["feed_id"] == feed_of(token.symbol)
    assert oracle["report"]["price"] == "273.123456789012345678"
    assert oracle["report"]["tokenized_price"] == "273.61"
    assert oracle["report"]["market_status"] == "open"
    assert oracle["report"]["current_multiplier"] == "1"
    assert oracle["report"]["new_multiplier"] == "4"
    assert oracle["report"]["verification"] == "verified" and oracle["report"]["demo"]
    assert oracle["report"]["full_report"].startswith("0x0006")
    assert {c["chain"] for c in oracle["chains"]} == {"ethereum", "solana"}
    assert all(c["agrees"] for c in oracle["chains"])
    assert oracle["stale"] is False and oracle["age_seconds"] >= 0
    other = client.get("/api/v1/tokens/B1x/").json()
    assert other["oracle"] is None  # no Data Streams feed


def test_a_disagreement_shows_on_every_page(backed_catalogue, client):
    (token, *_) = backed_catalogue(2)
    # Market status unknown: only the multiplier is compared, whatever the time of day.
    agreeing = replace(AAPLX_OBSERVATION, market_status=0)
    book = Book({feed_of(token.symbol): agreeing})
    with_feeds([token], book)
    book.observations[feed_of(token.symbol)] = replace(agreeing, current_multiplier=Decimal("1.5"))
    time.sleep(1.05 - time.time() % 1)  # the next report is a new second
    with_feeds([token], book)
    compute_snapshots(tokens=Token.objects.select_related("security"))
    assert Alert.objects.get(condition="oracle_disagrees").token == token

    html = client.get(f"/tokens/{token.symbol}/").content.decode()
    assert "The oracle disagrees with the site" in html
    assert "its multiplier is not the one the chains apply" in html
    assert html.count('<strong class="stale">differs</strong>') == 2
    overview = client.get("/transparency/").content.decode()
    assert "Oracle disagrees" in overview  # the alert banner
    assert '<span class="status status-under_backed">disagrees</span>' in overview
    page = client.get(f"/transparency/{token.symbol}/").content.decode()
    assert "multiplier 1.5 against 1 on Ethereum" in page  # the alert's message
    body = client.get("/api/v1/oracle/").json()["results"][0]
    assert body["disagrees"] and body["multiplier_disagrees"]
    assert not body["market_status_disagrees"] and body["report"]["market_status"] == "unknown"
