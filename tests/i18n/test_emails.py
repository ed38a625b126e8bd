"""E-mails are written in the language their reader chose on the site, whoever or whatever
sends them later (an officer's decision, the alerts worker)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone

from apps.alerts.models import Subscriber, Subscription
from apps.compliance.services.notifications import send_outcome_email
from apps.onboarding.models import InvestorProfile, KycCase
from tests.factories import KycCaseFactory, TokenFactory

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hant"}


def test_alert_confirmation_is_in_the_subscribers_language(
    client, django_capture_on_commit_callbacks
):
    TokenFactory(symbol="AAPLx")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/alerts/", {"email": "lin@example.tw", "token": "AAPLx"}, **ZH)
    assert response.status_code == 302
    assert Subscriber.objects.get().language == "zh-hant"
    (message,) = mail.outbox
    assert message.subject == "確認您的 AAPLx 儲備通知"
    assert "如要確認，請開啟以下連結" in message.body
    assert "/alerts/confirm/" in message.body
    # Asked again in English: the confirmation e-mail is in English, but the address's
    # language changes only when a link sent to it is opened.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/alerts/", {"email": "lin@example.tw", "token": "AAPLx"})
    assert mail.outbox[0].subject == "Confirm your reserve alerts for AAPLx"
    assert Subscriber.objects.get().language == "zh-hant"
    link = re.search(r"/alerts/confirm/[^/\s]+/", mail.outbox[0].body).group(0)
    assert client.post(link).status_code == 200  # the button on the link's page
    assert Subscriber.objects.get().language == "en"


def test_a_stranger_cannot_change_a_subscribers_language(
    client, django_capture_on_commit_callbacks
):
    token = TokenFactory(symbol="AAPLx")
    subscriber = Subscriber.objects.create(
        email="victim@example.com", language="en", created_at=timezone.now()
    )
    Subscription.objects.create(
        subscriber=subscriber, token=token, created_at=timezone.now(), confirmed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/alerts/", {"email": "victim@example.com", "token": "AAPLx"}, **ZH)
    assert response.status_code == 302
    assert Subscriber.objects.get().language == "en"
    assert mail.outbox == []  # already confirmed: nothing is sent


def test_sign_up_sets_the_investors_language_and_mails_in_it(
    client, django_capture_on_commit_callbacks, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    data = {
        "full_name": "陳大文",
        "email": "chan@example.hk",
        "password1": "a-long-unusual-passphrase-42",
        "password2": "a-long-unusual-passphrase-42",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", data, REMOTE_ADDR="203.0.113.9", **ZH)
    assert response.status_code == 302, response.content[:300]
    assert InvestorProfile.objects.get().language == "zh-hant"
    assert mail.outbox[-1].subject == "確認您的電子郵件地址"


def test_the_decision_is_mailed_in_the_investors_language_not_the_officers():
    case = KycCaseFactory(declaration__profile__language="zh-hant")
    KycCase.objects.filter(pk=case.pk).update(state="approved")
    assert send_outcome_email(case_id=case.pk)
    (message,) = mail.outbox
    assert message.subject == "您的申請：已核准"
    assert message.body.startswith("您的申請已核准")
    english = KycCaseFactory()
    KycCase.objects.filter(pk=english.pk).update(state="rejected")
    send_outcome_email(case_id=english.pk)
    assert mail.outbox[1].subject == "Your application: rejected"
