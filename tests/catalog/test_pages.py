from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Security, Token
from tests.factories import TokenFactory, make_catalog

pytestmark = pytest.mark.django_db


def _queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
        assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/tokens/",
        "/tokens/?q=Test&sort=sector",
        "/api/v1/tokens/?limit=600",
        "/api/v1/tokens/?chain=solana",
    ],
)
def test_catalogue_query_count_does_not_grow_with_tokens(client, url, settings):
    settings.CATALOG_CACHE_SECONDS = 0  # measure the rendering, not the results cache
    make_catalog(10)
    client.get(url)  # the filter options are cached from the first page on
    small = _queries(client, url)
    make_catalog(490)
    assert Token.objects.count() == 500
    client.get(url)  # new tokens: the options are read again once
    assert _queries(client, url) == small


def test_token_list_shows_every_token_with_its_chains(client):
    tokens = make_catalog(3)
    html = client.get("/tokens/").content.decode()
    for token in tokens:
        assert f'href="/tokens/{token.symbol}/"' in html
    assert "Ethereum" in html and "Solana" in html
    assert "no price data yet" in html


def test_filters_work_without_javascript_and_keep_the_url(client):
    make_catalog(2)
    etf = TokenFactory(
        security__kind=Security.Kind.ETF, security__sector="ETF", security__ticker="SPY"
    )
    response = client.get("/tokens/?kind=etf")
    html = response.content.decode()
    assert "SPYx" in html
    assert html.count('href="/tokens/T') == 0
    assert 'option value="etf" selected' in html
    assert etf.symbol == "SPYx"


def test_htmx_request_gets_only_the_results_fragment(client):
    make_catalog(2)
    response = client.get("/tokens/?q=Company", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_search_matches_underlying_isin(client):
    tokens = make_catalog(3)
    html = client.get(f"/tokens/?q={tokens[1].security.isin}").content.decode()
    assert tokens[1].symbol in html and tokens[0].symbol not in html


def test_filter_by_chain(client):
    make_catalog(2)
    only_eth = TokenFactory()
    html = client.get("/tokens/?chain=solana").content.decode()
    assert only_eth.symbol not in html


def test_bad_filter_value_says_so(client):
    make_catalog(1)
    response = client.get("/tokens/?kind=bond")
    assert response.status_code == 200
    assert "not understood" in response.content.decode()


def test_token_page_shows_facts_deployments_and_missing_data(client):
    token = make_catalog(1)[0]
    html = client.get(f"/tokens/{token.symbol}/").content.decode()
    assert token.security.isin in html
    assert token.issuer.name in html
    for d in token.deployments.all():
        assert d.address in html
        assert d.explorer_url in html
    assert "No price data yet" in html
    assert "No reserve data yet" in html


def test_unknown_token_is_404(client):
    assert client.get("/tokens/NOPEx/").status_code == 404


def test_home_shows_headline_figures(client):
    make_catalog(4)
    html = client.get("/").content.decode()
    assert "Browse the 4 tokens" in html


def test_catalogue_results_come_from_the_cache_until_something_changes(client):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from apps.markets.services import record_quotes
    from apps.markets.sources import PriceQuote

    tokens = make_catalog(3)
    client.get("/tokens/")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/tokens/").content.decode()
    assert len(ctx.captured_queries) == 0
    assert tokens[0].symbol in html
    # A token added (registry, admin) shows on the next request.
    added = TokenFactory()
    assert added.symbol in client.get("/tokens/").content.decode()
    # So does a new published price.
    now = timezone.now()
    record_quotes(
        quotes=[
            PriceQuote(
                kind="token",
                key=tokens[0].symbol,
                price=Decimal("123.4567"),
                time=now,
                source="simulator",
                max_age=dt.timedelta(minutes=15),
            )
        ],
        received_at=now,
    )
    assert "123.4567" in client.get("/tokens/").content.decode()
    # And every filter has its own entry.
    assert tokens[1].symbol not in client.get(f"/tokens/?q={tokens[0].symbol}").content.decode()
