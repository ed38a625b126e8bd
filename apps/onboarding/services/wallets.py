"""Wallets of approved investors: a one-time challenge, signed to prove ownership."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.identifiers import b58decode, check_evm_address, check_solana_address
from apps.onboarding.errors import OnboardingError
from apps.onboarding.models import Wallet, WalletKind
from apps.onboarding.selectors import investor_is_approved
from apps.onboarding.signals import wallet_verified

from .rescreening import screen_wallet

MAX_PENDING_WALLETS = 20  # unverified addresses one investor may hold at a time


@transaction.atomic
def issue_wallet_challenge(*, user: AbstractBaseUser, kind: str, address: str) -> Wallet:
    """A fresh one-time message for the owner of `address` to sign."""
    if not investor_is_approved(user=user):
        raise OnboardingError(gettext("Only approved investors can register wallets."))
    try:
        if kind == WalletKind.EVM:
            address = check_evm_address(address.strip())
        elif kind == WalletKind.SOLANA:
            address = check_solana_address(address.strip())
        else:
            raise OnboardingError(gettext("Choose EVM or Solana."))
    except ValueError as exc:
        raise OnboardingError(str(exc)) from exc
    if (
        Wallet.objects.filter(kind=kind, address=address, verified_at__isnull=False)
        .exclude(user=user)
        .exists()
    ):
        raise OnboardingError(gettext("This address is already registered to another investor."))
    pending = Wallet.objects.filter(user=user, verified_at__isnull=True).exclude(
        kind=kind, address=address
    )
    if pending.count() >= MAX_PENDING_WALLETS:
        raise OnboardingError(
            gettext("You have %(count)d addresses waiting for a signature: sign one of them first.")
            % {"count": MAX_PENDING_WALLETS}
        )
    wallet, _ = Wallet.objects.get_or_create(user=user, kind=kind, address=address)
    issued = timezone.now()
    wallet.challenge = (
        f"{settings.SITE_NAME} wallet ownership\n"
        f"Account: {user.pk}\nAddress: {address}\n"
        f"Nonce: {secrets.token_hex(16)}\nIssued: {issued.isoformat()}"
    )
    wallet.challenge_expires_at = issued + timedelta(seconds=settings.WALLET_CHALLENGE_TTL_SECONDS)
    wallet.save(update_fields=["challenge", "challenge_expires_at"])
    return wallet


def _signature_bytes(text: str) -> bytes:
    text = text.strip()
    if text.startswith("0x"):
        return bytes.fromhex(text[2:])
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b58decode(text)


def _signature_valid(wallet: Wallet, signature: str) -> bool:
    message = wallet.challenge.encode()
    try:
        raw = _signature_bytes(signature)
    except ValueError:
        return False
    if wallet.kind == WalletKind.EVM:
        from eth_account import Account
        from eth_account.messages import encode_defunct

        try:
            signer = Account.recover_message(encode_defunct(primitive=message), signature=raw)
        except Exception:  # malformed signatures raise several error types
            return False
        return signer.lower() == wallet.address.lower()
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    if len(raw) != 64:
        return False
    try:
        VerifyKey(b58decode(wallet.address)).verify(message, raw)
    except (BadSignatureError, ValueError):
        return False
    return True


def verify_wallet(*, wallet: Wallet, signature: str) -> Wallet:
    """Accept a signature of the current challenge once; the challenge is spent either way.

    Only an approved investor (not one whose access is suspended) may verify. A verified
    wallet is screened at once against every loaded list (rescreening.screen_wallet).
    """
    if not investor_is_approved(user=wallet.user):
        raise OnboardingError(gettext("Only approved investors can register wallets."))
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
        if not wallet.challenge or wallet.challenge_expires_at is None:
            raise OnboardingError(gettext("Ask for a new message to sign."))
        expired = wallet.challenge_expires_at <= timezone.now()
        valid = not expired and _signature_valid(wallet, signature)
        wallet.challenge = ""
        wallet.challenge_expires_at = None
        if valid:
            wallet.signature = signature.strip()
            wallet.verified_at = timezone.now()
        wallet.save(update_fields=["challenge", "challenge_expires_at", "signature", "verified_at"])
    # Raised after the commit, so a failed attempt still spends the challenge.
    if expired:
        raise OnboardingError(gettext("The message expired; ask for a new one."))
    if not valid:
        raise OnboardingError(
            gettext("The signature does not match this address; ask for a new message.")
        )
    screen_wallet(wallet=wallet)
    # Listeners (the portfolio reads the new wallet's balances) hear of it once it is stored.
    transaction.on_commit(
        lambda: wallet_verified.send(sender=Wallet, wallet_id=wallet.pk, user_id=wallet.user_id)
    )
    return wallet
