"""Acceptance: the open token page shows a new price within 5 s, without a reload, and
asks nothing of any host but the site's own."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from tests.markets.conftest import price_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-background-networking"]


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between browser steps are ordinary synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        yield page
        browser.close()


def site(live_server) -> str:
    return live_server.url.replace("localhost", "127.0.0.1")


def test_open_token_page_shows_a_new_quote_within_five_seconds(live_server, aapl, browser_page):
    page = browser_page
    price_token(aapl, price="228.50", underlying="228.00", at=timezone.now())
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))

    page.goto(f"{site(live_server)}/tokens/AAPLx/")
    expect(page.locator(".price-figure")).to_have_text("228.50")
    expect(page.locator("#price-chart .main-svg").first).to_be_attached(timeout=10_000)

    points = "document.getElementById('price-chart').data[0].y"
    before = page.evaluate(points)

    price_token(aapl, price="229.37", underlying="229.00", at=timezone.now())
    expect(page.locator(".price-figure")).to_have_text("229.37", timeout=5_000)
    expect(page.locator(".fair-value")).to_have_text("229.00")
    # The chart gains the new price without a reload too.
    page.wait_for_function(f"{points}.length > {len(before)}", timeout=5_000)
    assert page.evaluate(points)[-1] == "229.37"

    assert len(loads) == 1, "the page was reloaded"
    assert any("/tokens/AAPLx/live/" in url for url in requests), "no live polling"
    assert any(url.endswith("/static/vendor/plotly.min.js") for url in requests)
    outside = {urlsplit(url).hostname for url in requests} - {"127.0.0.1"}
    assert not outside, f"requests left 127.0.0.1: {outside}"


def test_calculator_answers_in_the_page(live_server, aapl, browser_page):
    page = browser_page
    price_token(aapl, price="250", at=timezone.now() - dt.timedelta(seconds=1))
    page.goto(f"{site(live_server)}/tokens/AAPLx/")
    page.fill("#calc-usd", "1000")
    expect(page.locator(".calc-quantity")).to_have_text("4.0000", timeout=5_000)


def test_polling_stops_while_the_tab_is_hidden(live_server, aapl, browser_page):
    page = browser_page
    price_token(aapl, price="228.50", at=timezone.now())
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/live/" in r.url else None)
    page.goto(f"{site(live_server)}/tokens/AAPLx/")
    page.wait_for_timeout(4_500)
    assert len(polls) >= 1
    page.evaluate("Object.defineProperty(document, 'hidden', {value: true, configurable: true})")
    page.wait_for_timeout(300)
    hidden_from = len(polls)
    page.wait_for_timeout(4_500)
    assert len(polls) == hidden_from, "the hidden tab kept polling"
    page.evaluate("Object.defineProperty(document, 'hidden', {value: false, configurable: true})")
    page.wait_for_timeout(4_500)
    assert len(polls) > hidden_from
