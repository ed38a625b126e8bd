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
    assert "_auth_user_id" not in client.session  # logged in only with the password
    user = get_user_model().objects.get()
    assert user.username == user.email == "alice@example.org"
    assert not InvestorProfile.objects.get().email_verified
    assert mail.outbox[0].to == ["alice@example.org"]
    link = _link(mail.outbox[0].body)
    response = client.get(link)
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert InvestorProfile.objects.get().email_verified
    # The link works once.
    assert client.get(link).status_code == 400


def test_forged_verification_link_is_refused(client):
    client.post("/accounts/signup/", SIGNUP, REMOTE_ADDR=DE_IP)
    link = _link(mail.outbox[0].body)
    forged = link.rsplit("/", 2)[0] + "/abc-0123456789abcdef/"
    assert client.get(forged).status_code == 400
    assert client.get("/accounts/verify/OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc-def/").status_code == 400
    assert not InvestorProfile.objects.get().email_verified


def test_sign_up_answers_the_same_whether_or_not_the_address_exists(client):
    """No account enumeration: same status, same page; the owner is told by e-mail."""
    existing = InvestorProfileFactory(user__username="alice@example.org")
    before = existing.user.password
    taken = client.post("/accounts/signup/", SIGNUP, REMOTE_ADDR=DE_IP)
    fresh = client.post(
        "/accounts/signup/", {**SIGNUP, "email": "bob@example.org"}, REMOTE_ADDR=DE_IP
    )
    assert (taken.status_code, taken.url) == (fresh.status_code, fresh.url)

    def page(url: str) -> str:
        return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", client.get(url).content.decode())

    assert page(taken.url) == page(fresh.url)
    notice, verification = mail.outbox
    assert notice.to == ["alice@example.org"] and "already exists" in notice.body
    assert "/accounts/password-reset/" in notice.body and "/verify/" not in notice.body
    assert verification.to == ["bob@example.org"] and "/accounts/verify/" in verification.body
    existing.user.refresh_from_db()
    assert existing.user.password == before
    assert get_user_model().objects.count() == 2


def test_sign_up_rejects_weak_passwords(client):
    weak = {**SIGNUP, "email": "bob@example.org", "password1": "123", "password2": "123"}
    response = client.post("/accounts/signup/", weak, REMOTE_ADDR=DE_IP)
    assert "too short" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_sign_up_refuses_an_address_longer_than_a_username(client):
    long = {**SIGNUP, "email": "a" * 140 + "@example.org"}
    response = client.post("/accounts/signup/", long, REMOTE_ADDR=DE_IP)
    assert response.status_code == 200 and "at most 150 characters" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_log_in_and_out(client):
    profile = InvestorProfileFactory()
    response = client.post(
        "/accounts/login/", {"username": profile.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/onboarding/"
    assert client.get("/onboarding/", REMOTE_ADDR=DE_IP).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/onboarding/", REMOTE_ADDR=DE_IP).status_code == 302


def _fail(client, name: str, ip: str = DE_IP):
    return client.post("/accounts/login/", {"username": name, "password": "wrong"}, REMOTE_ADDR=ip)


def _log_in(client, name: str, ip: str = DE_IP):
    return client.post(
        "/accounts/login/", {"username": name, "password": TEST_PASSWORD}, REMOTE_ADDR=ip
    )


def test_log_in_locks_the_account_after_five_failures_from_anywhere(client, settings):
    settings.LOGIN_MAX_ATTEMPTS = settings.AXES_FAILURE_LIMIT = 5
    name = InvestorProfileFactory().user.username
    for i in range(4):
        assert _fail(client, name.upper(), ip=f"198.51.100.{i + 1}").status_code == 200
    assert _fail(client, name, ip="198.51.100.5").status_code == 429  # the fifth failure
    # Locked for every address: even the right password is refused, with 429.
    response = _log_in(client, name, ip="203.0.113.99")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert response["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)
    assert "_auth_user_id" not in client.session


def test_log_in_locks_a_network_that_tries_many_accounts(client, settings):
    settings.LOGIN_MAX_ATTEMPTS = settings.AXES_FAILURE_LIMIT = 5
    victims = [InvestorProfileFactory().user.username for _ in range(6)]
    for name in victims[:5]:
        _fail(client, name, ip="2001:db8:1:2::1")
    # Another address in the same IPv6 /64 counts as the same client ...
    assert _log_in(client, victims[5], ip="2001:db8:1:2:ffff::7").status_code == 429
    # ... another /64 does not.
    assert _log_in(client, victims[5], ip="2001:db8:1:3::1").status_code == 302


def test_success_resets_the_failure_count(client, settings):
    settings.LOGIN_MAX_ATTEMPTS = settings.AXES_FAILURE_LIMIT = 3
    name = InvestorProfileFactory().user.username
    for _ in range(2):
        _fail(client, name)
    assert _log_in(client, name).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(2):
        _fail(client, name)
    assert _log_in(client, name).status_code == 302


def test_log_in_never_redirects_off_site(client):
    name = InvestorProfileFactory().user.username
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": name, "password": TEST_PASSWORD, "next": "https://evil.example/"},
        REMOTE_ADDR=DE_IP,
    )
    assert response.status_code == 302 and response.url == "/onboarding/"


def test_sign_up_is_throttled_per_network(client, settings):
    settings.SIGNUP_RATE = "3/h"
    for i in range(3):
        data = {**SIGNUP, "email": f"user{i}@example.org"}
        assert client.post("/accounts/signup/", data, REMOTE_ADDR=DE_IP).status_code == 302
    response = client.post(
        "/accounts/signup/", {**SIGNUP, "email": "user9@example.org"}, REMOTE_ADDR=DE_IP
    )
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert get_user_model().objects.count() == 3


def test_password_reset_is_throttled_per_address(client, settings):
    settings.PASSWORD_RESET_RATE = "2/h"
    profile = InvestorProfileFactory()
    for i in range(2):
        response = client.post(
            "/accounts/password-reset/", {"email": profile.user.email}, REMOTE_ADDR=f"192.0.2.{i}"
        )
        assert response.status_code == 302
    response = client.post(
        "/accounts/password-reset/", {"email": profile.user.email}, REMOTE_ADDR="192.0.2.77"
    )
    assert response.status_code == 429
    assert len(mail.outbox) == 2


def test_verification_resend_is_throttled(client, settings):
    settings.VERIFY_RESEND_RATE = "2/h"
    profile = InvestorProfileFactory(email_verified_at=None)
    client.force_login(profile.user)
    for _ in range(2):
        assert client.post("/accounts/verify/resend/", REMOTE_ADDR=DE_IP).status_code == 302
    assert client.post("/accounts/verify/resend/", REMOTE_ADDR=DE_IP).status_code == 429
    assert len(mail.outbox) == 2


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
