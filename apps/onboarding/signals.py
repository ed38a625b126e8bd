"""Signals other apps listen to, so onboarding never imports them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once a wallet's ownership proof has committed (services.wallets.verify_wallet).
# kwargs: wallet_id (int), user_id (int).
wallet_verified = Signal()
