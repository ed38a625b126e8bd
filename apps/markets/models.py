"""Prices: every quote received, and 1-minute, hourly and daily bars per security and token."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from apps.catalog.models import Security, Token
from apps.core.fields import ExactDecimalField

PRICE_DIGITS = 30  # max_digits of a price: 20 integer digits, 10 decimals
PRICE_PLACES = 10


class Quote(models.Model):
    """One price from one source for a security (the underlying) or a token, at a time.

    A quote that jumps beyond the configured band from the last published price of the
    same subject and source is HELD: kept for review, never published or shown.
    """

    class Source(models.TextChoices):
        SIMULATOR = "simulator", "Simulator"
        VENDOR = "vendor", "Market-data vendor"
        ORACLE = "oracle", "On-chain oracle"
        VENUE = "venue", "Trading venue"

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        HELD = "held", "Held for review"
        REJECTED = "rejected", "Rejected on review"

    security = models.ForeignKey(
        Security, on_delete=models.CASCADE, null=True, blank=True, related_name="quotes"
    )
    token = models.ForeignKey(
        Token, on_delete=models.CASCADE, null=True, blank=True, related_name="quotes"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    price = ExactDecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    time = models.DateTimeField(help_text="when the source priced it")
    received_at = models.DateTimeField()
    # The source's allowed age when the quote came in: older than this reads stale.
    max_age_seconds = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    # Why a quote was held, e.g. "jump of 2500.00 bps from 189.20 exceeds the 1000 bps band".
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(security__isnull=True, token__isnull=False)
                | Q(security__isnull=False, token__isnull=True),
                name="quote_one_subject",
            ),
            models.UniqueConstraint(
                fields=["security", "source", "time"],
                condition=Q(token__isnull=True),
                name="quote_unique_security_source_time",
            ),
            models.UniqueConstraint(
                fields=["token", "source", "time"],
                condition=Q(security__isnull=True),
                name="quote_unique_token_source_time",
            ),
        ]
        indexes = [
            models.Index(fields=["token", "status", "-time"], name="quote_token_latest"),
            models.Index(fields=["security", "status", "-time"], name="quote_security_latest"),
            models.Index(fields=["received_at"], name="quote_received"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.price} ({self.source}, {self.time:%Y-%m-%d %H:%M:%S})"

    @property
    def subject(self) -> Security | Token:
        return self.token if self.token_id else self.security  # type: ignore[return-value]


class Bar(models.Model):
    """Open, high, low, close of the published quotes of a subject over one interval.

    1-minute bars are kept a day, hourly bars a month, daily bars for ever
    (see services.compact_bars).
    """

    class Interval(models.TextChoices):
        MINUTE = "1m", "1 minute"
        HOUR = "1h", "1 hour"
        DAY = "1d", "1 day"

    security = models.ForeignKey(
        Security, on_delete=models.CASCADE, null=True, blank=True, related_name="bars"
    )
    token = models.ForeignKey(
        Token, on_delete=models.CASCADE, null=True, blank=True, related_name="bars"
    )
    interval = models.CharField(max_length=2, choices=Interval.choices)
    start = models.DateTimeField()
    open = ExactDecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    high = ExactDecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    low = ExactDecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    close = ExactDecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    count = models.PositiveIntegerField(default=1, help_text="quotes in the bar")
    # Time of the last quote in the bar, so a newer quote always wins the close.
    last_time = models.DateTimeField()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(security__isnull=True, token__isnull=False)
                | Q(security__isnull=False, token__isnull=True),
                name="bar_one_subject",
            ),
            models.UniqueConstraint(
                fields=["security", "interval", "start"],
                condition=Q(token__isnull=True),
                name="bar_unique_security",
            ),
            models.UniqueConstraint(
                fields=["token", "interval", "start"],
                condition=Q(security__isnull=True),
                name="bar_unique_token",
            ),
        ]
        indexes = [
            models.Index(fields=["token", "interval", "start"], name="bar_token_series"),
            models.Index(fields=["security", "interval", "start"], name="bar_security_series"),
            models.Index(fields=["interval", "start"], name="bar_retention"),
        ]

    def __str__(self) -> str:
        subject = self.token if self.token_id else self.security
        return f"{subject} {self.interval} {self.start:%Y-%m-%d %H:%M}: {self.close}"

    @property
    def change(self) -> Decimal:
        return self.close - self.open
