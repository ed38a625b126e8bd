from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.markets.models import Quote
from apps.markets.services import record_quotes
from tests.factories import make_catalog
from tests.markets.conftest import price_token, quote

pytestmark = pytest.mark.django_db


def price_catalog(tokens, at):
    for i, token in enumerate(tokens):
        price_token(
            token, price=str(100 + i), underlying=str(100 + i), at=at - dt.timedelta(days=1)
        )
        price_token(token, price=str(101 + i), underlying=str(100 + i), at=at)


@pytest.mark.parametrize(("url", "queries"), [("/tokens/", 2), ("/api/v1/prices/", 1)])
def test_price_lists_run_a_pinned_number_of_queries(get_with_queries, settings, url, queries):
    # /tokens/: tokens with prices, backing and the total in one query and their
    # deployments (no snapshot yet to read); /api/v1/prices/: one query for every price.
    settings.CATALOG_CACHE_SECONDS = 0  # the catalogue's own rendering, not its cache
    settings.PUBLIC_CACHE_SECONDS = 0  # count the rendering, not the whole-answer cache
    now = timezone.now()
    for size in (5, 60):
        price_catalog(make_catalog(size), now)
        get_with_queries("/tokens/", 3)  # the catalogue's filter options, then cached
        get_with_queries(url, queries)


def test_latest_prices_api_answers_from_cache_without_the_database(get_with_queries):
    price_catalog(make_catalog(3), timezone.now())
    get_with_queries("/api/v1/prices/", 1)
    get_with_queries("/api/v1/prices/", 0)


def test_new_quote_invalidates_the_cached_prices(client, aapl):
    now = timezone.now()
    price_token(aapl, price="200", underlying="200", at=now - dt.timedelta(seconds=5))
    first = client.get("/api/v1/prices/").json()["results"][0]
    assert first["price"] == "200"
    price_token(aapl, price="201", at=now)
    assert client.get("/api/v1/prices/").json()["results"][0]["price"] == "201"


def test_latest_prices_api_fields(client, aapl):
    now = timezone.now()
    price_token(aapl, price="202", underlying="200", at=now - dt.timedelta(days=1, minutes=1))
    price_token(aapl, price="203", underlying="202", at=now - dt.timedelta(seconds=3))
    body = client.get("/api/v1/prices/").json()
    row = body["results"][0]
    assert row["symbol"] == "AAPLx"
    assert row["price"] == "203" and row["fair_value"] == "202"
    assert row["premium_bps"] == "49.5"  # (203 / 202 - 1) x 10000 = 49.50...
    assert row["change_24h"] == "1" and row["change_24h_pct"] == "0.5"
    assert row["stale"] is False and 0 <= row["age_seconds"] < 60
    assert row["session"] in {"pre_market", "regular", "after_hours", "closed"}
    assert row["as_of"] and body["next_open"]


def test_stale_price_is_shown_with_its_age_never_as_live(client, aapl):
    price_token(aapl, price="200", underlying="200", at=timezone.now() - dt.timedelta(hours=2))
    html = client.get("/tokens/AAPLx/").content.decode()
    assert "Stale: last price is 2 h 0 min old" in html
    assert "Live," not in html
    row = client.get("/api/v1/prices/").json()["results"][0]
    assert row["stale"] is True and row["age_seconds"] >= 7200
    listing = client.get("/tokens/").content.decode()
    assert "stale, 2 h 0 min ago" in listing


def test_catalogue_shows_price_change_session_and_age(client, aapl):
    now = timezone.now()
    price_token(aapl, price="200", underlying="200", at=now - dt.timedelta(days=1, minutes=1))
    price_token(aapl, price="210", underlying="209", at=now - dt.timedelta(seconds=1))
    html = client.get("/tokens/").content.decode()
    assert "210.00" in html and "+5.00%" in html
    assert "session-" in html and " ago" in html


def test_token_page_shows_price_fair_value_premium_and_chart(client):
    (token,) = make_catalog(1)
    token.multiplier = Decimal("0.5")
    token.save(update_fields=["multiplier"])
    price_token(token, price="99", underlying="200", at=timezone.now())
    html = client.get(f"/tokens/{token.symbol}/").content.decode()
    assert "No price data yet" not in html
    assert 'data-price="99"' in html
    assert "100.00</span> USD" in html  # fair value 200 x 0.5
    assert "-100.00 bps" in html and "discount" in html
    assert 'id="price-chart-figure"' in html
    assert "/static/vendor/plotly.min.js" in html
    # Polled every 2 s; static/js/site.js skips the poll while the tab is hidden (a trigger
    # filter would need eval, which the CSP refuses).
    assert 'hx-trigger="every 2s" data-poll-visible' in html
    assert "10.00 USD buys" in html


def test_live_partial_is_conditional_and_cached(client, aapl, get_with_queries):
    price_token(aapl, price="200", underlying="200", at=timezone.now())
    url = "/tokens/AAPLx/live/"
    first = client.get(url, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and "200.00" in first.content.decode()
    assert "<html" not in first.content.decode()
    etag = first["ETag"]
    get_with_queries(url, 0, status=304, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=etag)
    price_token(aapl, price="201", at=timezone.now())
    changed = client.get(url, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and "201.00" in changed.content.decode()
    assert changed["ETag"] != etag


def test_unknown_token_live_partial_is_404(client):
    assert client.get("/tokens/NOPEx/live/").status_code == 404


@pytest.mark.parametrize("range_", ["1D", "1W", "1M", "1Y", "All"])
def test_chart_ranges(client, aapl, range_):
    now = timezone.now()
    price_token(aapl, price="200", underlying="199", at=now - dt.timedelta(hours=3))
    price_token(aapl, price="201", underlying="200", at=now)
    fig = client.get(f"/tokens/AAPLx/chart/?range={range_}").json()
    names = [t["name"] for t in fig["data"]]
    assert names == ["AAPLx price", "Fair value", "Oracle rounds"]
    assert fig["data"][0]["y"][-1] == "201"


def test_chart_refuses_unknown_range(client, aapl):
    assert client.get("/tokens/AAPLx/chart/?range=5Y").status_code == 400


def test_chart_is_downsampled(aapl):
    from apps.markets.charts import MAX_POINTS, token_chart

    start = timezone.now() - dt.timedelta(hours=20)
    record_quotes(
        quotes=[
            quote(aapl, str(200 + (m % 7)), start + dt.timedelta(minutes=m)) for m in range(1200)
        ]
    )
    assert Quote.objects.count() == 1200
    fig = token_chart(aapl, range_="1D")
    assert 100 < len(fig["data"][0]["y"]) <= MAX_POINTS


@pytest.mark.parametrize(
    ("usd", "expected"),
    [
        ("10", '10.00 USD buys <strong class="calc-quantity">0.0436</strong> AAPLx'),
        ("0.05", "0.0002"),
        ("abc", "is not an amount in USD"),
        ("-3", "more than 0 USD"),
        ("1.001", "more than 2 decimals"),
    ],
)
def test_fractional_calculator(client, aapl, usd, expected):
    price_token(aapl, price="228.9", at=timezone.now())
    html = client.get(f"/tokens/AAPLx/calculator/?usd={usd}", HTTP_HX_REQUEST="true")
    assert expected in html.content.decode()


def test_calculator_works_without_javascript(client, aapl):
    price_token(aapl, price="228.9", at=timezone.now())
    html = client.get("/tokens/AAPLx/?usd=100").content.decode()
    assert "100.00 USD buys" in html and "0.4368" in html


def test_chart_uses_the_finest_bars_once_for_each_moment(aapl):
    from apps.markets.charts import token_chart

    now = timezone.now()
    record_quotes(
        quotes=[quote(aapl, str(200 + d), now - dt.timedelta(days=d)) for d in range(5, -1, -1)]
    )
    x = token_chart(aapl, range_="1W", now=now)["data"][0]["x"]
    assert len(x) == len(set(x)) == 6


def test_live_block_on_a_saturday_reads_closed_with_the_next_open(aapl):
    from django.template.loader import render_to_string

    from apps.markets.selectors import token_price

    saturday = dt.datetime(2026, 11, 28, 17, 0, tzinfo=dt.UTC)
    price_token(aapl, price="230", underlying="230", at=saturday - dt.timedelta(minutes=1))
    html = render_to_string(
        "markets/partials/_token_price.html#live",
        {"token": aapl, "price": token_price(aapl, now=saturday)},
    )
    assert "session-closed" in html and "Closed" in html
    assert 'opens in <span class="until-open">1 d 21 h</span>, Mon 30 Nov 09:30 New York' in html


def test_held_quote_is_published_from_the_admin(admin_client, aapl):
    price_token(aapl, price="200", at=timezone.now() - dt.timedelta(minutes=1))
    price_token(aapl, price="300", at=timezone.now())
    held = Quote.objects.get(status=Quote.Status.HELD)
    assert client_price(admin_client) == "200"
    response = admin_client.post(
        "/admin/markets/quote/",
        {"action": "publish", "_selected_action": [held.pk]},
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Quote.Status.PUBLISHED
    assert client_price(admin_client) == "300"


def client_price(client) -> str:
    return client.get("/api/v1/prices/").json()["results"][0]["price"]
