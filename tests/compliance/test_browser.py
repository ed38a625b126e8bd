"""Two officers approve a high-risk case in a real browser; the first cannot approve twice.
No request leaves 127.0.0.1 and no CSP violation is reported (the shared fixture checks)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.audit.models import AuditEvent
from apps.onboarding.models import KycCase
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    browser, audit_flushable, officer, second_officer, high_risk_case
):
    base = browser.base_url
    first = browser.page
    _log_in(first, base, officer.username)
    first.goto(f"{base}/compliance/?risk=high")
    first.get_by_role("link", name=f"#{high_risk_case.pk}").click()
    expect(first.get_by_text("high risk: two officers must approve")).to_be_visible()
    _approve(first, base, high_risk_case.pk)
    expect(first.get_by_text("a second officer must approve")).to_be_visible()
    _approve(first, base, high_risk_case.pk)
    expect(first.get_by_text("You approved this case already")).to_be_visible()

    second = browser.new_page()
    _log_in(second, base, second_officer.username)
    _approve(second, base, high_risk_case.pk)
    expect(second.get_by_text("Case is now approved.")).to_be_visible()

    assert KycCase.objects.get(pk=high_risk_case.pk).state == "approved"
    events = AuditEvent.objects.exclude(action="officer.grant").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["staff.login", "case.approve_first", "staff.login", "case.approve"]


def test_case_work_without_javascript(
    browser, audit_flushable, officer, second_officer, submitted_case
):
    """Claim, note and reassign with JavaScript off: plain forms do all of it."""
    base = browser.base_url
    page = browser.chromium.new_context(java_script_enabled=False).new_page()
    browser._watch(page)
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

    actions = list(
        AuditEvent.objects.exclude(action__in=["officer.grant", "staff.login"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["case.claim", "case.note", "case.reassign"]
