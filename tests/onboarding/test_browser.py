"""A real browser walks an eligible investor from sign-up to a submitted case."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.onboarding.models import KycCase, KycDocument
from tests.onboarding.conftest import PDF, PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_eligible_investor_signs_up_and_submits_a_case(browser):
    page, base = browser.page, browser.base_url

    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Full legal name").fill("Greta Beispiel")
    page.get_by_label("E-mail").fill("greta@example.de")
    page.get_by_label("Password", exact=True).fill("a-long-unusual-passphrase-9")
    page.get_by_label("Password again").fill("a-long-unusual-passphrase-9")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    link = re.search(r"http://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    expect(page.get_by_text("Your e-mail address is confirmed.")).to_be_visible()
    # Confirming the address does not log in: the password does.
    page.get_by_label("E-mail").fill("greta@example.de")
    page.get_by_label("Password").fill("a-long-unusual-passphrase-9")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="answer the questions").click()
    page.get_by_label("Date of birth").fill("1985-05-17")
    page.get_by_label("Country of residence").select_option("DE")
    page.get_by_label("Citizenships (all of them)").select_option(["DE"])
    page.get_by_label("Tax residences (all of them)").select_option(["DE"])
    for question in page.locator("fieldset").all():
        question.get_by_label("No").check()
    page.get_by_role("button", name="Check my eligibility").click()
    expect(page.get_by_text("You are eligible.")).to_be_visible()

    for kind, name, mime, content in (
        ("identity", "passport.png", "image/png", PNG),
        ("address", "utility-bill.pdf", "application/pdf", PDF),
    ):
        page.get_by_label("Document").select_option(kind)
        page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(
            {"name": name, "mimeType": mime, "buffer": content}
        )
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("link", name=name)).to_be_visible()

    page.get_by_role("button", name="Submit my application").click()
    expect(page.locator("#case-state")).to_have_text("Submitted")

    case = KycCase.objects.get(user__username="greta@example.de")
    assert case.state == "submitted"
    assert case.declaration.eligible and case.declaration.residence_country == "DE"
    assert sorted(KycDocument.objects.filter(case=case).values_list("kind", flat=True)) == [
        "address",
        "identity",
    ]
    # The shared fixture then checks that nothing was fetched from anywhere but the local
    # server and that no Content-Security-Policy violation was reported.
    assert browser.requests
