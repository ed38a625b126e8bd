"""The backing of every token over time, the alerts it raises, and auditors' attestations."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Issuer, Token
from apps.core.fields import ExactDecimalField

QUANTITY = {"max_digits": 80, "decimal_places": 18}


class ReserveSnapshotQuerySet(models.QuerySet["ReserveSnapshot"]):
    def latest_for(self, token_ids: list[int] | None = None) -> ReserveSnapshotQuerySet:
        """The latest snapshot of each token, in one query (an index-backed subquery per token)."""
        latest = (
            ReserveSnapshot.objects.filter(token=OuterRef("pk"))
            .order_by("-computed_at", "-pk")
            .values("pk")[:1]
        )
        tokens = (
            Token.objects.all() if token_ids is None else Token.objects.filter(pk__in=token_ids)
        )
        return self.filter(pk__in=tokens.annotate(latest_id=Subquery(latest)).values("latest_id"))


class ReserveSnapshot(models.Model):
    """Supply on every chain against shares at every custodian, for one token, with provenance."""

    class Status(models.TextChoices):
        BACKED = "backed", _("Backed")
        UNDER_BACKED = "under_backed", _("Under-backed")
        STALE = "stale", _("Stale")
        UNKNOWN = "unknown", _("Unknown")

    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="reserve_snapshots")
    computed_at = models.DateTimeField()
    # Last time a recomputation found exactly these figures (no new row is written then).
    checked_at = models.DateTimeField()
    # The oldest input: the earliest of the supply observations and statements used.
    as_of = models.DateTimeField(null=True, blank=True)
    circulating_supply = ExactDecimalField(**QUANTITY, null=True, blank=True)
    multiplier = ExactDecimalField(max_digits=30, decimal_places=18)
    shares_required = ExactDecimalField(**QUANTITY, null=True, blank=True)
    shares_held = ExactDecimalField(**QUANTITY, null=True, blank=True)
    ratio = ExactDecimalField(max_digits=40, decimal_places=18, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    provenance = models.JSONField(default=dict)
    # SHA-256 of figures, status and provenance: an unchanged recomputation writes no row.
    fingerprint = models.CharField(max_length=64)

    objects = ReserveSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"
        indexes = [models.Index(fields=["token", "-computed_at"], name="snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.token} at {self.computed_at:%Y-%m-%d %H:%M}: {self.status}"

    @property
    def ratio_percent(self) -> Decimal | None:
        return None if self.ratio is None else (self.ratio * 100).quantize(Decimal("0.01"))


class Alert(models.Model):
    """An open problem with a token's backing; one open alert per token and condition."""

    class Condition(models.TextChoices):
        UNDER_BACKED = "under_backed", _("Under-backed")
        STALE = "stale", _("Stale data")
        # The chains disagree on the token: different multipliers (one chain has applied a
        # corporate action and another has not).
        CHAINS_DISAGREE = "chains_disagree", _("Chains disagree")
        # A new multiplier is scheduled and due (ScaledUiAmount or the EVM contract).
        MULTIPLIER_DUE = "multiplier_due", _("New multiplier due")
        # A deployment is paused: transfers stopped on that chain.
        PAUSED = "paused", _("Paused")
        # The price oracle's market status or multiplier differs from the site's own.
        ORACLE_DISAGREES = "oracle_disagrees", _("Oracle disagrees")

    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="reserve_alerts")
    condition = models.CharField(max_length=32, choices=Condition.choices)
    message = models.TextField()
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.ForeignKey(
        ReserveSnapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["token", "condition"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_condition",
            )
        ]

    def __str__(self) -> str:
        state = "open" if self.resolved_at is None else "resolved"
        return f"{self.token}: {self.get_condition_display()} ({state})"


class Attestation(models.Model):
    """An auditor's attestation of the reserves of an issuer or of one token."""

    issuer = models.ForeignKey(
        Issuer, on_delete=models.CASCADE, null=True, blank=True, related_name="attestations"
    )
    token = models.ForeignKey(
        Token, on_delete=models.CASCADE, null=True, blank=True, related_name="attestations"
    )
    auditor = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    date = models.DateField(help_text="date of the report")
    url = models.URLField("document URL", blank=True)
    file = models.FileField(upload_to="attestations/", blank=True)
    sha256 = models.CharField(
        "SHA-256",
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^[0-9a-f]{64}$", "64 lower-case hex digits")],
    )
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(token__isnull=False) | Q(issuer__isnull=False),
                name="attestation_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="attestation_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.auditor}, {self.period_start} to {self.period_end}"

    @property
    def document_url(self) -> str:
        return self.file.url if self.file else self.url


class PublicEventQuerySet(models.QuerySet["PublicEvent"]):
    def for_token(self, token: Token) -> PublicEventQuerySet:
        """What a reader of one token follows: its own events and its issuer's (statements,
        issuer-wide attestations)."""
        return self.filter(Q(token=token) | Q(token__isnull=True, issuer_id=token.issuer_id))


class PublicEvent(models.Model):
    """Something a public reader may want to be told: an append-only log that feeds and
    subscriptions read. Written only by apps.reserves.services.events, idempotently: `key` is
    the natural key of what happened (e.g. "alert:12:raised"), so a retried job adds nothing.
    """

    class Kind(models.TextChoices):
        ALERT_RAISED = "alert_raised", _("Alert raised")
        ALERT_CLEARED = "alert_cleared", _("Alert cleared")
        MULTIPLIER_CHANGED = "multiplier_changed", _("Multiplier changed")
        STATEMENT = "statement", _("Custodian statement")
        ATTESTATION = "attestation", _("Attestation published")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # For alerts: the condition (Alert.Condition); empty otherwise.
    condition = models.CharField(max_length=32, blank=True)
    token = models.ForeignKey(
        Token, on_delete=models.CASCADE, null=True, blank=True, related_name="public_events"
    )
    issuer = models.ForeignKey(
        Issuer, on_delete=models.CASCADE, null=True, blank=True, related_name="public_events"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    # Plain JSON facts behind the event (figures as decimal strings, ids, block heights).
    data = models.JSONField(default=dict, blank=True)

    objects = PublicEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["token", "-occurred_at"], name="event_token_latest"),
            models.Index(fields=["-occurred_at"], name="event_latest"),
        ]

    def __str__(self) -> str:
        return self.title
