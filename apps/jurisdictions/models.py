"""Jurisdiction rules and the log of refused requests.

A rule is never edited in place once it is in force: changing a rule ends the
old one (effective_to) and saves a new one, so the history of what applied when
stays in the table. The tables keep the names they had in the compliance app.
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
        db_table = "compliance_jurisdictionrule"
        ordering = ["country", "region", "-effective_from"]
        indexes = [
            models.Index(
                fields=["country", "region", "effective_from"],
                name="compliance__country_785ef1_idx",
            )
        ]
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
        db_table = "compliance_accesslogentry"
        ordering = ["-created_at"]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.country or '??'} {self.path}"
