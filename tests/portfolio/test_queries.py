"""The holdings page and its CSV run a fixed number of queries whatever the portfolio's size."""

from __future__ import annotations

import pytest

from tests.portfolio.conftest import stored_portfolio

pytestmark = pytest.mark.django_db

# Session and user, the investor's standing (profile, latest case), then the portfolio:
# wallets, chains, reads, latest balances, tokens with backing and prices, their snapshots,
# and (the page only) the chart's price history and the header's back-office link check.
CSV_QUERIES = 10
PAGE_QUERIES = CSV_QUERIES + 2


@pytest.mark.parametrize(("tokens", "wallets"), [(1, 1), (6, 3)])
def test_page_queries_do_not_grow_with_the_portfolio(
    client, alice, get_with_queries, tokens, wallets
):
    stored_portfolio(alice, tokens=tokens, wallets=wallets)
    client.force_login(alice)
    page = get_with_queries("/portfolio/", PAGE_QUERIES).content.decode()
    assert page.count('id="holding-') == tokens
    assert page.count("not read: no node configured") == wallets
    assert 'id="portfolio-figure"' in page


@pytest.mark.parametrize(("tokens", "wallets"), [(1, 1), (6, 3)])
def test_csv_queries_do_not_grow_with_the_portfolio(
    client, alice, get_with_queries, tokens, wallets
):
    stored_portfolio(alice, tokens=tokens, wallets=wallets)
    client.force_login(alice)
    body = get_with_queries("/portfolio/holdings.csv", CSV_QUERIES).content.decode()
    assert len(body.strip().splitlines()) == 1 + tokens * wallets * 2
