"""/portfolio/ in Debian's Chromium under the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD
from tests.portfolio.conftest import stored_portfolio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_holdings_page_draws_the_value_chart(live_server, alice, browser):
    stored_portfolio(alice, tokens=2, wallets=1)
    browser.goto("/accounts/login/")
    browser.page.get_by_label("E-mail").fill(alice.username)
    browser.page.get_by_label("Password").fill(TEST_PASSWORD)
    browser.page.get_by_role("button", name="Log in").click()
    browser.goto("/portfolio/")
    expect(browser.page.get_by_role("heading", name="My holdings")).to_be_visible()
    expect(browser.page.locator("#portfolio-chart .main-svg").first).to_be_attached()
    y = browser.page.evaluate("document.getElementById('portfolio-chart').data[0].y")
    # Two tokens, one unit on each of two chains, at 101 and 102 USD now.
    assert y[-1] == "406"
    expect(browser.page.get_by_text("not read: no node configured")).to_be_visible()
