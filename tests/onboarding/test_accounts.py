from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from apps.onboarding.models import InvestorProfile
from tests.factories import TEST_PASSWORD, InvestorProfileFactory
from tests.onboarding.conftest import DE_IP

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Alice Example",
    "email": "Alice@Example.org",
    "password1": "a-long-unusual-passphrase-9",
    "password2": "a-long-unusual-passphrase-9",
}


def _link(body: str) -> str:
    return re.search(r"http://testserver(/\S+)", body).group(1)


def test_sign_up_sends_a_verification_link_that_confirms_the_address(client):
    response = client.post("/accounts/signup/", SIGNUP, REMOTE_ADDR=DE_IP)
    assert response.status_code == 302 and response.url == "/accounts/verify/sent/"
    user = get_user_model().objects.get()
    assert user.username == user.email == "alice@example.org"
    assert not InvestorProfile.objects.get().email_verified
    assert mail.outbox[0].to == ["alice@example.org"]
    link = _link(mail.outbox[0].body)
    response = client.get(link)
    assert response.status_code == 302 and response.url == "/onboarding/"
    assert InvestorProfile.objects.get().email_verified
    # The link works once.
    assert client.get(link).status_code == 400


def test_forged_verification_link_is_refused(client):
    client.post("/accounts/signup/", SIGNUP, REMOTE_ADDR=DE_IP)
    link = _link(mail.outbox[0].body)
    forged = link.rsplit("/", 2)[0] + "/abc-0123456789abcdef/"
    assert client.get(forged).status_code == 400
    assert not InvestorProfile.objects.get().email_verified


def test_sign_up_rejects_duplicates_and_weak_passwords(client):
    InvestorProfileFactory(user__username="alice@example.org")
    response = client.post("/accounts/signup/", SIGNUP, REMOTE_ADDR=DE_IP)
    assert "already exists" in response.content.decode()
    weak = {**SIGNUP, "email": "bob@example.org", "password1": "123", "password2": "123"}
    response = client.post("/accounts/signup/", weak, REMOTE_ADDR=DE_IP)
    assert "too short" in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_log_in_and_out(client):
    profile = InvestorProfileFactory()
    response = client.post(
        "/accounts/login/", {"username": profile.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/onboarding/"
    assert client.get("/onboarding/", REMOTE_ADDR=DE_IP).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/onboarding/", REMOTE_ADDR=DE_IP).status_code == 302


def test_log_in_is_rate_limited_after_five_failures(client, settings):
    settings.LOGIN_MAX_ATTEMPTS = 5
    profile = InvestorProfileFactory()
    name = profile.user.username
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": name, "password": "wrong"})
        assert response.status_code == 200
    # Locked: even the right password is refused, with 429.
    response = client.post("/accounts/login/", {"username": name, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is counted separately.
    response = client.post(
        "/accounts/login/",
        {"username": name, "password": TEST_PASSWORD},
        REMOTE_ADDR="198.51.100.9",
    )
    assert response.status_code == 302


def test_success_resets_the_failure_count(client, settings):
    settings.LOGIN_MAX_ATTEMPTS = 3
    profile = InvestorProfileFactory()
    name = profile.user.username
    for _ in range(2):
        client.post("/accounts/login/", {"username": name, "password": "wrong"})
    client.post("/accounts/login/", {"username": name, "password": TEST_PASSWORD})
    client.post("/accounts/logout/")
    for _ in range(2):
        client.post("/accounts/login/", {"username": name, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": name, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_password_reset_by_email(client):
    profile = InvestorProfileFactory()
    response = client.post("/accounts/password-reset/", {"email": profile.user.email})
    assert response.status_code == 302
    link = _link(mail.outbox[0].body)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    new = "another-long-passphrase-77"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response.url == "/accounts/reset/done/"
    profile.user.refresh_from_db()
    assert profile.user.check_password(new)


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
