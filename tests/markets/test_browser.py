"""Acceptance: the open token page shows a new price at its next poll, without a reload,
and asks nothing of any host but the site's own. The page's clock is driven by the test
(Playwright's page.clock), so no test sleeps while it waits for a poll."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.markets.conftest import price_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL_MS = 2_000  # hx-trigger="every 2s" on the live price block
POINTS = "document.getElementById('price-chart').data[0].y"


def open_token_page(browser, symbol: str = "AAPLx"):
    """Open the page with time flowing, wait for the chart, then stop the page's clock."""
    page = browser.page
    page.clock.install()
    browser.goto(f"/tokens/{symbol}/")
    expect(page.locator("#price-chart .main-svg").first).to_be_attached(timeout=10_000)
    page.clock.pause_at(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=1))
    return page


def live_polls(browser) -> int:
    return sum("/live/" in url for url in browser.requests)


def test_open_token_page_shows_a_new_quote_at_the_next_poll(live_server, aapl, browser):
    price_token(aapl, price="228.50", underlying="228.00", at=timezone.now())
    loads: list[str] = []
    browser.page.on("load", lambda p: loads.append(p.url))
    page = open_token_page(browser)
    expect(page.locator(".price-figure")).to_have_text("228.50")
    before = page.evaluate(POINTS)

    price_token(aapl, price="229.37", underlying="229.00", at=timezone.now())
    page.clock.run_for(POLL_MS)
    expect(page.locator(".price-figure")).to_have_text("229.37")
    expect(page.locator(".fair-value")).to_have_text("229.00")
    # The chart gains the new price without a reload too.
    page.wait_for_function(f"{POINTS}.length > {len(before)}")
    assert page.evaluate(POINTS)[-1] == "229.37"

    assert len(loads) == 1, "the page was reloaded"
    assert live_polls(browser) >= 1, "no live polling"
    assert any(url.endswith("/static/vendor/plotly.min.js") for url in browser.requests)


def test_chart_range_buttons_load_the_range(live_server, aapl, browser):
    price_token(aapl, price="228.50", underlying="228.00", at=timezone.now())
    page = open_token_page(browser)
    with page.expect_response(lambda r: "/chart/?range=1W" in r.url) as answer:
        page.get_by_role("button", name="1W").click()
    assert answer.value.status == 200
    expect(page.get_by_role("button", name="1W")).to_have_attribute("aria-pressed", "true")


def test_calculator_answers_in_the_page(live_server, aapl, browser):
    price_token(aapl, price="250", at=timezone.now() - dt.timedelta(seconds=1))
    browser.goto("/tokens/AAPLx/")
    browser.page.fill("#calc-usd", "1000")
    expect(browser.page.locator(".calc-quantity")).to_have_text("4.0000")
    # A refused amount (400) still shows its reason in the page.
    browser.page.fill("#calc-usd", "-5")
    expect(browser.page.locator("#calc-result .error")).to_contain_text("more than 0 USD")


COUNT_POLLS = """
window.livePolls = 0;
document.body.addEventListener("htmx:beforeSend", (event) => {
  if (event.detail.elt.id === "live-price") window.livePolls += 1;
});
"""


def test_polling_stops_while_the_tab_is_hidden(live_server, aapl, browser):
    price_token(aapl, price="228.50", at=timezone.now())
    page = open_token_page(browser)
    page.evaluate(COUNT_POLLS)
    for _ in range(2):
        with page.expect_response(lambda r: "/live/" in r.url):
            page.clock.run_for(POLL_MS)
    assert page.evaluate("window.livePolls") == 2
    page.evaluate("Object.defineProperty(document, 'hidden', {value: true, configurable: true})")
    page.clock.run_for(POLL_MS * 5)
    assert page.evaluate("window.livePolls") == 2, "the hidden tab kept polling"
    page.evaluate("Object.defineProperty(document, 'hidden', {value: false, configurable: true})")
    with page.expect_response(lambda r: "/live/" in r.url):
        page.clock.run_for(POLL_MS)
    assert page.evaluate("window.livePolls") == 3
