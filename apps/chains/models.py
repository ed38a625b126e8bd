"""What the chains said: supply per deployment at a block and oracle feeds' rounds.

Every sync run is an apps.core JobRun whose scope is the chain's slug.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

# Oracle feeds are registry facts: they live in the catalogue (same table).
from apps.catalog.models import Deployment, OracleFeed
from apps.core.fields import ExactDecimalField
from apps.core.models import JobRun

UINT256_DIGITS = 78  # decimal digits of 2**256 - 1

# The sync runs were chains.SyncRun; the generic record is apps.core.models.JobRun.
SyncRun = JobRun

__all__ = ["OracleFeed", "OracleRound", "SupplyObservation", "SyncRun"]


class ScheduledMultiplier(Protocol):
    multiplier: Decimal | None
    new_multiplier: Decimal | None
    new_multiplier_at: dt.datetime | None


def multiplier_in_force(reading: ScheduledMultiplier, when: dt.datetime) -> Decimal | None:
    """The multiplier a reading's chain applies at `when`: the scheduled one once it is due,
    else the one read (None: the chain reports none)."""
    if (
        reading.new_multiplier is not None
        and reading.new_multiplier_at is not None
        and when >= reading.new_multiplier_at
    ):
        return Decimal(str(reading.new_multiplier))
    return None if reading.multiplier is None else Decimal(str(reading.multiplier))


class SupplyObservationQuerySet(QuerySet["SupplyObservation"]):
    def latest_per_deployment(self) -> SupplyObservationQuerySet:
        """Each deployment's latest observation (the most recently observed, then the
        highest block): one correlated subquery, usable in a Prefetch."""
        newest = SupplyObservation.objects.filter(deployment=OuterRef("deployment")).order_by(
            "-observed_at", "-block_number"
        )
        return self.filter(pk=Subquery(newest.values("pk")[:1]))


class SupplyObservation(models.Model):
    """A deployment's total supply (and bridge-escrow balance) read at one block or slot.

    Raw amounts are integers in the token's smallest unit; `decimals` is what the chain
    reported with them.
    """

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="supply_observations"
    )
    block_number = models.BigIntegerField(help_text="block number (EVM) or slot (Solana)")
    block_hash = models.CharField(max_length=100, blank=True)
    block_time = models.DateTimeField(null=True, blank=True)
    raw_supply = ExactDecimalField(max_digits=UINT256_DIGITS, decimal_places=0)
    escrow_balance = ExactDecimalField(
        max_digits=UINT256_DIGITS, decimal_places=0, default=Decimal(0)
    )
    decimals = models.PositiveSmallIntegerField()
    # Token-2022 scaled-UI-amount multiplier where the mint carries that extension.
    ui_multiplier = ExactDecimalField(max_digits=40, decimal_places=18, null=True, blank=True)
    # The multiplier the chain reports at this block: the issuer's EVM contract's
    # multiplier() or the Token-2022 scaled-UI multiplier in force; null for a plain ERC-20
    # or SPL mint (which counts whole tokens).
    multiplier = ExactDecimalField(max_digits=40, decimal_places=18, null=True, blank=True)
    # True when raw_supply already counts the multiplier (the EVM contract's totalSupply()
    # is shares x multiplier); a Solana mint's raw supply does not.
    supply_is_underlying = models.BooleanField(default=False)
    # isPaused() of the EVM contract, the Pausable extension of the mint; null: none.
    paused = models.BooleanField(null=True, blank=True)
    # A multiplier the chain has scheduled, and from when, as read.
    new_multiplier = ExactDecimalField(max_digits=40, decimal_places=18, null=True, blank=True)
    new_multiplier_at = models.DateTimeField(null=True, blank=True)
    observed_at = models.DateTimeField()
    sync_run = models.ForeignKey(
        JobRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="observations"
    )

    objects = SupplyObservationQuerySet.as_manager()

    class Meta:
        ordering = ["-block_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "block_number"], name="supply_unique_per_block"
            )
        ]
        indexes = [
            models.Index(fields=["deployment", "-observed_at"], name="supply_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.deployment} at {self.block_number}: {self.supply}"

    @property
    def scale(self) -> Decimal:
        return Decimal(10) ** self.decimals

    @property
    def supply(self) -> Decimal:
        """Total supply in whole tokens."""
        return self.raw_supply / self.scale

    @property
    def escrow(self) -> Decimal:
        return self.escrow_balance / self.scale

    @property
    def circulating(self) -> Decimal:
        """Supply outside bridge escrows, in whole tokens."""
        return (self.raw_supply - self.escrow_balance) / self.scale

    @property
    def amount_multiplier(self) -> Decimal:
        """What turns `circulating` into underlying units as the chain counts them: the
        read multiplier when the raw supply does not count it yet (Solana), else 1."""
        if self.multiplier is None or self.supply_is_underlying:
            return Decimal(1)
        return Decimal(str(self.multiplier))

    @property
    def underlying_supply(self) -> Decimal:
        """Supply in underlying units as the chain counts it (EVM totalSupply(), Solana UI
        amount); a plain token's whole tokens."""
        return self.supply * self.amount_multiplier

    def multiplier_at(self, when: dt.datetime) -> Decimal | None:
        """The multiplier the chain applies at `when` (a scheduled one once it is due)."""
        return multiplier_in_force(self, when)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        return (now or timezone.now()) - self.observed_at

    def is_stale(self, now: dt.datetime | None = None) -> bool:
        """Older than the chain's allowed age (uses deployment.chain: select or prefetch it)."""
        return self.age(now) > dt.timedelta(seconds=self.deployment.chain.max_age_seconds)

    @property
    def stale(self) -> bool:
        return self.is_stale()


class OracleRound(models.Model):
    """One answer of an oracle feed (AggregatorV3 latestRoundData)."""

    feed = models.ForeignKey(OracleFeed, on_delete=models.CASCADE, related_name="rounds")
    round_id = ExactDecimalField(max_digits=30, decimal_places=0)  # uint80
    answer = ExactDecimalField(max_digits=UINT256_DIGITS, decimal_places=18)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    answered_in_round = ExactDecimalField(max_digits=30, decimal_places=0)
    block_number = models.BigIntegerField(null=True, blank=True)
    observed_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "round_id"], name="oracle_round_unique"),
        ]
        indexes = [models.Index(fields=["feed", "-updated_at"], name="oracle_round_latest")]

    def __str__(self) -> str:
        return f"{self.feed} round {self.round_id}: {self.answer}"
