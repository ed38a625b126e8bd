"""What an approved investor's verified wallets held, as read from the chains.

A WalletBalance row is written when a read finds a balance different from the wallet's
latest row for that deployment (a holding that went to zero is a row of 0), so the table is
each wallet's balance history, not one row per read. WalletChainRead says, per wallet and
chain, which block or slot the last good read was at and whether a later read failed.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery

from apps.catalog.models import Chain, Deployment
from apps.core.fields import ExactDecimalField
from apps.core.formatting import WIDE
from apps.onboarding.models import Wallet

UINT256_DIGITS = 78  # decimal digits of 2**256 - 1
ERROR_CHARS = 300  # a read's error as stored and shown


class WalletBalanceQuerySet(QuerySet["WalletBalance"]):
    def latest_per_wallet_and_deployment(self) -> WalletBalanceQuerySet:
        """Each (wallet, deployment)'s newest row: the most recently read, then the highest
        block (a local chain started again counts its slots from 1). One correlated subquery."""
        newest = WalletBalance.objects.filter(
            wallet=OuterRef("wallet"), deployment=OuterRef("deployment")
        ).order_by("-read_at", "-block_number", "-pk")
        return self.filter(pk=Subquery(newest.values("pk")[:1]))


class WalletBalance(models.Model):
    """One wallet's balance of one deployment, from the block or slot it was read at on.

    `raw_balance` is what the chain said, in the token's smallest unit: EVM balanceOf()
    (the issuer's contract already counts underlying units), or the sum of the wallet's
    Solana token accounts of the mint. `multiplier` turns it into underlying units beside
    the decimals: 1 for EVM and for mints without the scaled-UI-amount extension, the mint's
    scaled-UI multiplier otherwise (from its latest supply observation), and null when that
    was not known when the balance was read (the mint's supply had never been read).
    """

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="+")
    block_number = models.BigIntegerField(help_text="block number (EVM) or slot (Solana)")
    read_at = models.DateTimeField()
    raw_balance = ExactDecimalField(max_digits=UINT256_DIGITS, decimal_places=0)
    decimals = models.PositiveSmallIntegerField()
    multiplier = ExactDecimalField(max_digits=40, decimal_places=18, null=True, blank=True)

    objects = WalletBalanceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wallet", "deployment", "block_number"],
                name="walletbalance_unique_per_block",
            )
        ]
        indexes = [
            models.Index(fields=["wallet", "deployment", "-read_at"], name="walletbalance_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.wallet} {self.deployment} at {self.block_number}: {self.raw_balance}"

    @property
    def quantity(self) -> Decimal | None:
        """The balance in underlying units, exactly; None when the multiplier is unknown."""
        if self.multiplier is None:
            return None
        scaled = WIDE.multiply(Decimal(self.raw_balance), self.multiplier)
        return WIDE.divide(scaled, Decimal(10) ** self.decimals)


class WalletChainRead(models.Model):
    """The reads of one wallet on one chain: the last good one and the latest failure.

    A failure never touches the last good block or its balances: the page keeps showing
    them, marked with the failure and its time.
    """

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="+")
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="+")
    block_number = models.BigIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=100, blank=True)
    block_time = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True, help_text="last good read")
    failed_at = models.DateTimeField(null=True, blank=True, help_text="latest failed read")
    error = models.CharField(max_length=ERROR_CHARS, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wallet", "chain"], name="walletchainread_unique")
        ]

    def __str__(self) -> str:
        return f"{self.wallet} on {self.chain}: block {self.block_number}"

    @property
    def failing(self) -> bool:
        """The latest read failed (the figures shown are from an earlier good read)."""
        return self.failed_at is not None and (
            self.read_at is None or self.failed_at >= self.read_at
        )
