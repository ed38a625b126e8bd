"""The transparency pages in Debian's Chromium under the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.custody.services import import_statement
from apps.reserves.services import compute_snapshot
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import semt002

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_transparency_page_draws_the_ratio_history(live_server, aapl_world, browser):
    import_statement(data=semt002(account="INC-001", holdings={AAPL_ISIN: "1000"}))
    compute_snapshot(token=aapl_world["token"])
    browser.goto("/transparency/AAPLx/")
    expect(browser.page.locator("#ratio-chart .main-svg").first).to_be_attached()
    y = browser.page.evaluate("document.getElementById('ratio-chart').data[0].y")
    assert y[-1].startswith("100.04")


def test_transparency_overview_loads_cleanly(live_server, aapl_world, browser):
    browser.goto("/transparency/")
    expect(browser.page.get_by_role("heading", name="Proof of reserves")).to_be_visible()
