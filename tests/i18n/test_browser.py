"""The language in Debian's Chromium: the switcher keeps the page, a browser set to
Traditional Chinese gets it unasked, under the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import make_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_switcher_keeps_the_page_and_its_query(live_server, browser):
    make_catalog(3)
    page = browser.page
    browser.goto("/tokens/?sort=name")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="繁體中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.get_by_role("heading", level=1)).to_have_text("代幣")
    assert page.url == f"{browser.base_url}/tokens/?sort=name"
    expect(page.get_by_label("排序方式")).to_have_value("name")  # the filter is kept
    # The choice is remembered on the next page, then switched back.
    page.get_by_role("link", name="透明度").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("儲備證明")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proof of reserves")
    assert page.url == f"{browser.base_url}/transparency/"


def test_a_browser_set_to_taiwanese_chinese_reads_the_site_in_it(live_server, browser):
    make_catalog(1)
    page = browser.new_page(locale="zh-TW")  # Accept-Language: zh-TW
    page.goto(f"{browser.base_url}/tokens/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.get_by_role("heading", level=1)).to_have_text("代幣")
    english = browser.new_page(locale="en-GB")
    english.goto(f"{browser.base_url}/tokens/")
    expect(english.locator("html")).to_have_attribute("lang", "en")
