"""Read a wallet's holdings as soon as its ownership is proven."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from apps.onboarding.signals import wallet_verified

from . import tasks


@receiver(wallet_verified, dispatch_uid="portfolio-read-verified-wallet")
def read_verified_wallet(sender: Any, *, wallet_id: int, **kwargs: Any) -> None:
    tasks.refresh_wallets.delay_on_commit([wallet_id])
