"""Prices: every quote received, and 1-minute, hourly and daily bars per security and token."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from apps.catalog.models import PriceFeed, Security, Token
from apps.core.fields import ExactDecimalField

PRICE_DIGITS = 30  # max_digits of a price: 20 integer digits, 10 decimals
PRICE_PLACES = 10


class Quote(models.Model):
    """One price from one source for a security (the underlying) or a token, at a time.

    A quote that jumps beyond the configured band from the last published price of the
    same subject and source is HELD: kept for review, never published or shown.
    """

    class Source(models.TextChoices):
        SIMULATOR = "simulator", _("Simulator")
        VENDOR = "vendor", _("Market-data vendor")
        ORACLE = "oracle", _("On-chain oracle")
        VENUE = "venue", _("Trading venue")
        DATASTREAMS = "datastreams", _("Chainlink Data Streams")

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        HELD = "held", _("Held for review")
        REJECTED = "rejected", _("Rejected on review")

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


# Data Streams values are int192 with 18 decimals: at most 58 digits.
REPORT_DIGITS = 60
REPORT_PLACES = 18
MARKET_STATUS_LABELS = {
    0: pgettext_lazy("oracle market status", "Unknown"),
    1: pgettext_lazy("oracle market status", "Closed"),
    2: pgettext_lazy("oracle market status", "Open"),
}


class OracleReport(models.Model):
    """One Chainlink Data Streams report of a token's feed, as the client decoded it.

    Values are kept exactly as reported (18 decimals); `full_report` is the signed hex the
    API answered, the evidence anyone can decode and verify again. Unique per feed and
    observation time: reading the same report twice stores it once.
    """

    class Verification(models.TextChoices):
        VERIFIED = "verified", _("Verified")  # signed by enough configured signers
        UNVERIFIED = "unverified", _("Unverified")  # well-formed; no signer set configured

    price_feed = models.ForeignKey(
        PriceFeed, on_delete=models.CASCADE, related_name="oracle_reports"
    )
    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="oracle_reports")
    feed_id = models.CharField(max_length=66)
    schema = models.CharField(max_length=8)
    observed_at = models.DateTimeField(help_text="observationsTimestamp")
    valid_from = models.DateTimeField(help_text="validFromTimestamp")
    expires_at = models.DateTimeField(help_text="expiresAt: last time it verifies on chain")
    last_update_at = models.DateTimeField(
        null=True, blank=True, help_text="lastUpdateTimestamp: the price's last update"
    )
    price = ExactDecimalField(
        max_digits=REPORT_DIGITS, decimal_places=REPORT_PLACES, help_text="the underlying's"
    )
    tokenized_price = ExactDecimalField(
        max_digits=REPORT_DIGITS, decimal_places=REPORT_PLACES, null=True, blank=True
    )
    market_status = models.PositiveBigIntegerField(help_text="0 unknown, 1 closed, 2 open")
    current_multiplier = ExactDecimalField(
        max_digits=REPORT_DIGITS, decimal_places=REPORT_PLACES, null=True, blank=True
    )
    new_multiplier = ExactDecimalField(
        max_digits=REPORT_DIGITS, decimal_places=REPORT_PLACES, null=True, blank=True
    )
    activation_at = models.DateTimeField(null=True, blank=True)
    native_fee = ExactDecimalField(max_digits=REPORT_DIGITS, decimal_places=0)
    link_fee = ExactDecimalField(max_digits=REPORT_DIGITS, decimal_places=0)
    config_digest = models.CharField(max_length=66)
    epoch = models.PositiveBigIntegerField()
    round = models.PositiveSmallIntegerField()
    signers = models.JSONField(default=list, help_text="addresses recovered from the signatures")
    verification = models.CharField(max_length=12, choices=Verification.choices)
    demo = models.BooleanField(default=False, help_text="served by the demo world, demo key")
    full_report = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-observed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_feed", "observed_at"], name="oracle_report_unique_per_observation"
            )
        ]
        indexes = [
            models.Index(fields=["token", "-observed_at"], name="oracle_report_latest"),
            models.Index(fields=["received_at"], name="oracle_report_received"),
        ]

    def __str__(self) -> str:
        return f"{self.token} {self.schema} report at {self.observed_at:%Y-%m-%d %H:%M:%S}"

    @property
    def market_status_label(self) -> str:
        return MARKET_STATUS_LABELS.get(
            self.market_status,
            pgettext("oracle market status", "Unknown status %(code)s")
            % {"code": self.market_status},
        )
