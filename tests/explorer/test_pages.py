from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.models import Security, Token
from apps.markets.services import record_quotes
from apps.markets.sources import PriceQuote
from tests.factories import TokenFactory, make_catalog

pytestmark = pytest.mark.django_db

# Pinned SQL queries per page, the same at 8 and at 120 tokens (the results cache off):
# /tokens/: the filter options (once, then cached), the page of tokens with prices,
# backing and the total on one query, its deployments, its latest snapshots.
CATALOGUE_PAGES = [
    ("/tokens/", 3),
    ("/tokens/?q=B1&sort=sector", 3),
    ("/tokens/?chain=solana&kind=stock", 3),
    # Past the last page: the empty window, a COUNT, then the last page as above.
    ("/tokens/?page=50", 5),
]


@pytest.mark.parametrize(("url", "queries"), CATALOGUE_PAGES)
def test_catalogue_pages_run_a_pinned_number_of_queries(
    backed_catalogue, get_with_queries, settings, url, queries
):
    settings.CATALOG_CACHE_SECONDS = 0  # count the rendering, not the results cache
    settings.PUBLIC_CACHE_SECONDS = 0  # nor the whole-answer cache
    for size in (8, 120):
        backed_catalogue(size)
        get_with_queries("/", 4)  # home: the tokens' counts, chains, issuers, custodians
        get_with_queries(url, queries + 1)  # + the filter options, read afresh
        get_with_queries(url, queries)


def test_token_page_runs_a_pinned_number_of_queries(backed_catalogue, get_with_queries):
    # token, deployments, their latest supply, venues, documents, corporate actions,
    # latest snapshot, open alerts, price, chart bars, oracle rounds, Data Streams feed.
    for size in (8, 120):
        backed_catalogue(size)
        html = get_with_queries("/tokens/B3x/", 12).content.decode()
        assert "100.25" in html and "100.00 %" in html


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


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("kind=bond", "kind: Select a valid choice. bond is not one of the available choices."),
        ("chain=polygon", "chain: Select a valid choice."),
        ("sort=price", "sort: Select a valid choice."),
        ("q=" + "x" * 101, "q: Ensure this value has at most 100 characters"),
    ],
)
def test_bad_filter_answers_400_with_the_form_and_the_reason(client, query, reason):
    make_catalog(1)
    response = client.get(f"/tokens/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "not understood" in html and reason in html
    assert '<form class="filters"' in html  # the page is still usable
    fragment = client.get(f"/tokens/?{query}", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 400 and reason in fragment.content.decode()


@pytest.mark.parametrize("page", ["1e20", "100000000000000000000", "0", "-1", "2.5", "x"])
def test_bad_page_number_answers_400_never_500(client, page):
    make_catalog(1)
    response = client.get(f"/tokens/?page={page}")
    assert response.status_code == 400
    assert "must be a whole number from 1 to 100,000" in response.content.decode()


def test_a_page_past_the_end_shows_the_last_page(client):
    tokens = make_catalog(2)
    html = client.get("/tokens/?page=99").content.decode()
    assert tokens[0].symbol in html


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


@pytest.mark.parametrize("usd", ["1e999999", "-5", "abc", "0.001", ""])
def test_token_page_with_a_bad_amount_answers_400_with_the_reason(client, usd):
    token = make_catalog(1)[0]
    response = client.get(f"/tokens/{token.symbol}/", {"usd": usd})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()


def test_unknown_token_is_404(client):
    assert client.get("/tokens/NOPEx/").status_code == 404


def test_home_shows_headline_figures(client):
    make_catalog(4)
    html = client.get("/").content.decode()
    assert "Browse the 4 tokens" in html


def test_catalogue_results_come_from_the_cache_until_something_changes(
    client, django_assert_num_queries
):
    tokens = make_catalog(3)
    client.get("/tokens/")
    with django_assert_num_queries(0):
        html = client.get("/tokens/").content.decode()
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


def test_multipliers_show_every_digit_and_no_exponent(client):
    token = make_catalog(1)[0]
    Token.objects.filter(pk=token.pk).update(multiplier=Decimal("1000"))
    html = client.get("/tokens/").content.decode()
    assert ">1000<" in html and "1E+3" not in html


def test_htmx_request_with_a_bad_page_gets_the_reason_alone(client):
    make_catalog(1)
    response = client.get("/tokens/?page=1e20", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html and "must be a whole number" in html
