from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from apps.onboarding.models import InvestorProfile, Wallet
from apps.onboarding.tasks import prune
from tests.factories import InvestorProfileFactory, KycCaseFactory

pytestmark = pytest.mark.django_db


def _age(profile: InvestorProfile, days: int) -> None:
    InvestorProfile.objects.filter(pk=profile.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_prune_removes_what_grows_without_purpose(settings):
    settings.UNVERIFIED_ACCOUNT_RETENTION_DAYS = 30
    settings.UNSIGNED_WALLET_RETENTION_DAYS = 7
    now = timezone.now()
    expired, live = SessionStore(), SessionStore()
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=now - timedelta(seconds=1)
    )
    stale = InvestorProfileFactory(email_verified_at=None)
    fresh = InvestorProfileFactory(email_verified_at=None)
    verified = InvestorProfileFactory()
    _age(stale, 31), _age(fresh, 29), _age(verified, 400)
    case = KycCaseFactory()
    old_claim = Wallet.objects.create(user=case.user, kind="evm", address="0x1")
    signed = Wallet.objects.create(user=case.user, kind="evm", address="0x2", verified_at=now)
    pending = Wallet.objects.create(
        user=case.user, kind="evm", address="0x3", challenge_expires_at=now + timedelta(minutes=5)
    )
    Wallet.objects.filter(pk__in=[old_claim.pk, signed.pk, pending.pk]).update(
        created_at=now - timedelta(days=8)
    )

    assert prune.delay().get() == {"sessions": 1, "unverified_accounts": 1, "unsigned_wallets": 1}
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    users = set(get_user_model().objects.values_list("pk", flat=True))
    assert stale.user_id not in users and {fresh.user_id, verified.user_id} <= users
    assert set(Wallet.objects.values_list("address", flat=True)) == {"0x2", "0x3"}
