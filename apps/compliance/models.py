"""Jurisdiction rules and the log of blocked requests.

A rule is never edited in place once it is in force: changing a rule ends the
old one (effective_to) and saves a new one, so the history of what applied when
stays in the table.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_REGION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class RuleStatus(models.TextChoices):
    BLOCKED = "blocked", "Blocked"
    REVIEW = "review", "Review"
    ALLOWED = "allowed", "Allowed"


class JurisdictionRuleQuerySet(models.QuerySet):
    def in_force(self, at=None) -> JurisdictionRuleQuerySet:
        """Rules effective at `at` (now by default): started and not yet ended."""
        at = at or timezone.now()
        return self.filter(effective_from__lte=at).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=at)
        )

    def for_places(self, countries: set[str], regions: set[str]) -> JurisdictionRuleQuerySet:
        """Rules for any of the given countries (country-wide) or ISO 3166-2 regions."""
        return self.filter(
            Q(country__in=countries, region="") | Q(region__in=regions)
        ).select_related("changed_by")


class JurisdictionRule(models.Model):
    """What applies to a country (ISO 3166-1 alpha-2) or one of its regions (ISO 3166-2)."""

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. US")
    region = models.CharField(
        max_length=6, blank=True, default="", help_text="ISO 3166-2, e.g. UA-43; blank for all"
    )
    status = models.CharField(max_length=8, choices=RuleStatus.choices)
    reason = models.TextField()
    legal_basis = models.TextField()
    effective_from = models.DateTimeField(default=timezone.now)
    effective_to = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = JurisdictionRuleQuerySet.as_manager()

    class Meta:
        ordering = ["country", "region", "-effective_from"]
        indexes = [models.Index(fields=["country", "region", "effective_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="jurisdictionrule_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region or self.country}: {self.status}"

    @property
    def place(self) -> str:
        return self.region or self.country

    def clean(self) -> None:
        self.country = (self.country or "").strip().upper()
        self.region = (self.region or "").strip().upper()
        if not _COUNTRY_RE.match(self.country):
            raise ValidationError({"country": "Use an ISO 3166-1 alpha-2 code, e.g. DE."})
        if self.region and (
            not _REGION_RE.match(self.region) or not self.region.startswith(self.country + "-")
        ):
            raise ValidationError(
                {"region": f"Use an ISO 3166-2 code of {self.country}, e.g. {self.country}-01."}
            )


class AccessLogEntry(models.Model):
    """One request refused by the jurisdiction gate. The IP is truncated to /24 or /48."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    country = models.CharField(max_length=2, db_index=True)
    path = models.CharField(max_length=500)
    ip_prefix = models.CharField(max_length=64)
    rule = models.ForeignKey(
        JurisdictionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.country} {self.path}"


class AppendOnlyError(Exception):
    """An attempt to change or delete an append-only record."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are never changed")

    def delete(self):
        raise AppendOnlyError("audit events are never deleted")


class AuditEvent(models.Model):
    """Who did what to which object, when, from where: append-only.

    The application refuses to change or delete a row, and so does the database:
    migration 0003 installs triggers that abort UPDATE and DELETE on PostgreSQL
    and SQLite.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as text too, so the record reads the same if the account is renamed.
    actor_label = models.CharField(max_length=254, blank=True, default="")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_repr = models.CharField(max_length=200, blank=True, default="")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are never deleted")


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    MORE_INFO = "more_info", "Ask for more information"


class ReasonCode(models.TextChoices):
    VERIFIED = "verified", "Identity and address verified"
    SCREENING_CLEARED = "screening_cleared", "Screening hit is a false positive"
    SCREENING_MATCH = "screening_match", "Confirmed sanctions match"
    IDENTITY_UNVERIFIED = "identity_unverified", "Identity could not be verified"
    ADDRESS_UNVERIFIED = "address_unverified", "Address could not be verified"
    DOCUMENT_UNREADABLE = "document_unreadable", "Document unreadable or expired"
    JURISDICTION = "jurisdiction", "Restricted jurisdiction or US nexus"
    INCONSISTENT = "inconsistent", "Declarations contradict other evidence"
    OTHER = "other", "Other (see note)"


class KycDecision(models.Model):
    """One officer's decision on a case in one review round.

    A high-risk case needs approvals from two different officers in the same
    round; the unique constraint makes a second approval by the same officer
    impossible even under concurrency.
    """

    case = models.ForeignKey(
        "onboarding.KycCase", on_delete=models.PROTECT, related_name="decisions"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason_code = models.CharField(max_length=30, choices=ReasonCode.choices)
    note = models.TextField(blank=True, default="")
    review_round = models.PositiveIntegerField()
    final = models.BooleanField(
        help_text="moved the case (false: a first approval awaiting a second)"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "review_round", "officer"],
                condition=Q(decision="approve"),
                name="kycdecision_one_approval_per_officer_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision} by {self.officer_id} on case {self.case_id}"
