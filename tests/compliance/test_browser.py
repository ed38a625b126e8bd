"""Two officers approve a high-risk case in a real browser; the first cannot approve twice."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from apps.audit.models import AuditEvent
from apps.onboarding.models import KycCase
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-background-networking"]


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _approve(page, base: str, case_id: int) -> None:
    page.goto(f"{base}/compliance/cases/{case_id}/")
    page.get_by_label("Approve").check()
    page.get_by_label("Reason").select_option("screening_cleared")
    page.get_by_label("Note (shown to the investor when rejecting or asking for more)").fill(
        "Different date of birth"
    )
    page.get_by_role("button", name="Record decision").click()


def test_four_eyes_in_the_browser(
    live_server, audit_flushable, monkeypatch, officer, second_officer, high_risk_case
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    connections.close_all()  # see tests/onboarding/test_browser.py
    base = live_server.url.replace("localhost", "127.0.0.1")
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        first = browser.new_context().new_page()
        first.on("request", lambda r: requested.append(r.url))
        first.set_default_timeout(15_000)
        _log_in(first, base, officer.username)
        first.goto(f"{base}/compliance/?risk=high")
        first.get_by_role("link", name=f"#{high_risk_case.pk}").click()
        expect(first.get_by_text("high risk: two officers must approve")).to_be_visible()
        _approve(first, base, high_risk_case.pk)
        expect(first.get_by_text("a second officer must approve")).to_be_visible()
        _approve(first, base, high_risk_case.pk)
        expect(first.get_by_text("You approved this case already")).to_be_visible()

        second = browser.new_context().new_page()
        second.on("request", lambda r: requested.append(r.url))
        second.set_default_timeout(15_000)
        _log_in(second, base, second_officer.username)
        _approve(second, base, high_risk_case.pk)
        expect(second.get_by_text("Case is now approved.")).to_be_visible()
        browser.close()
        connections.close_all()
    connections.close_all()

    assert KycCase.objects.get(pk=high_risk_case.pk).state == "approved"
    events = AuditEvent.objects.exclude(action="officer.grant").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["staff.login", "case.approve_first", "staff.login", "case.approve"]
    assert {urlsplit(u).hostname for u in requested} == {"127.0.0.1"}


def test_case_work_without_javascript(
    live_server, audit_flushable, monkeypatch, officer, second_officer, submitted_case
):
    """Claim, note and reassign with JavaScript off: plain forms do all of it."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    connections.close_all()
    base = live_server.url.replace("localhost", "127.0.0.1")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_context(java_script_enabled=False).new_page()
        page.set_default_timeout(15_000)
        _log_in(page, base, officer.username)
        page.goto(f"{base}/compliance/?assignee=none")
        page.get_by_role("link", name=f"#{submitted_case.pk}").click()
        page.get_by_role("button", name="Claim this case").click()
        expect(page.get_by_text("You work this case now.")).to_be_visible()
        page.get_by_label("Internal note (officers only, never shown to the investor)").fill(
            "Asked the registry for the company file"
        )
        page.get_by_role("button", name="Add note").click()
        expect(page.get_by_text("Asked the registry for the company file")).to_be_visible()
        page.get_by_label("Reassign to").select_option(str(second_officer.pk))
        page.get_by_label("Why (kept with the case)").fill("Oscar knows this registry")
        page.get_by_role("button", name="Reassign").click()
        expect(page.locator("#assignee")).to_contain_text(second_officer.email)
        browser.close()
        connections.close_all()
    connections.close_all()
    actions = list(
        AuditEvent.objects.exclude(action__in=["officer.grant", "staff.login"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["case.claim", "case.note", "case.reassign"]
