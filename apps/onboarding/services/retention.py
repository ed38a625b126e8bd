"""What the onboarding app keeps, and for how long (SECURITY.md, "Retention").

Declarations, cases, documents and decisions are evidence under AML record-keeping
and are never pruned here. What grows without a purpose is: expired sessions,
accounts whose address was never confirmed, and wallet claims never signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from apps.onboarding.models import InvestorProfile, Wallet

BATCH = 500  # accounts deleted per transaction


@dataclass(frozen=True)
class Pruned:
    sessions: int
    unverified_accounts: int
    unsigned_wallets: int


def prune_expired_sessions(*, now: datetime) -> int:
    """Delete database sessions past their expiry (what `clearsessions` does)."""
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


def prune_unverified_accounts(*, now: datetime) -> int:
    """Delete investor accounts whose address was not confirmed within
    UNVERIFIED_ACCOUNT_RETENTION_DAYS; accounts with anything else attached stay."""
    cutoff = now - timedelta(days=settings.UNVERIFIED_ACCOUNT_RETENTION_DAYS)
    stale = InvestorProfile.objects.filter(
        email_verified_at__isnull=True,
        created_at__lt=cutoff,
        user__is_staff=False,
        user__groups__isnull=True,
        user__last_login__isnull=True,
    ).values_list("user_id", flat=True)
    deleted = 0
    for user_id in list(stale[:BATCH]):
        try:
            with transaction.atomic():
                get_user_model().objects.filter(pk=user_id).delete()
        except ProtectedError:  # something points at the account: keep it
            continue
        deleted += 1
    return deleted


def prune_unsigned_wallets(*, now: datetime) -> int:
    """Delete wallet claims never signed, once their challenge is older than
    UNSIGNED_WALLET_RETENTION_DAYS."""
    cutoff = now - timedelta(days=settings.UNSIGNED_WALLET_RETENTION_DAYS)
    stale = Wallet.objects.filter(verified_at__isnull=True, created_at__lt=cutoff).filter(
        Q(challenge_expires_at__isnull=True) | Q(challenge_expires_at__lt=now)
    )
    deleted, _ = stale.delete()
    return deleted


def prune(*, now: datetime | None = None) -> Pruned:
    """Everything above, once (the beat task onboarding.prune)."""
    now = now or timezone.now()
    return Pruned(
        sessions=prune_expired_sessions(now=now),
        unverified_accounts=prune_unverified_accounts(now=now),
        unsigned_wallets=prune_unsigned_wallets(now=now),
    )
