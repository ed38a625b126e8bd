"""The public pages in Debian's Chromium under the Content-Security-Policy: every script
and style from the site itself, no violation reported, no request leaving 127.0.0.1."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import make_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_catalogue_filters_in_place_with_htmx(live_server, browser):
    tokens = make_catalog(3)
    page = browser.page
    browser.goto("/")
    page.get_by_role("link", name="Browse the 3 tokens").click()
    expect(page.locator("#token-count")).to_have_text("3")
    page.get_by_label("Search").fill(tokens[1].symbol)
    expect(page.locator("#token-count")).to_have_text("1")
    assert f"q={tokens[1].symbol}" in page.url  # the URL keeps the filter
    assert sum("/tokens/?" in url for url in browser.requests) >= 1


def test_a_refused_filter_shows_its_reason_in_place(live_server, browser):
    make_catalog(1)
    page = browser.page
    browser.goto("/tokens/")
    page.get_by_label("Search").fill("x" * 101)
    expect(page.locator("#results .error")).to_contain_text("at most 100 characters")


def test_api_docs_render_typed_examples_under_the_csp(live_server, browser):
    make_catalog(1)
    page = browser.page
    browser.goto("/api/docs/")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/prices/").first
    expect(operation).to_be_visible()
    operation.click()
    expect(page.locator(".responses-wrapper").first).to_contain_text("fair_value")
    assert any("/api/schema/" in url for url in browser.requests)
