"""Decisions of the compliance back office on KYC cases.

Jurisdiction rules and the access log live in apps.jurisdictions, the audit
trail in apps.audit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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


class CaseAssignment(models.Model):
    """Who works a case: one current assignment per case (ended_at empty), with the history.

    Claiming takes an unassigned case; reassigning ends the current assignment and needs a
    reason. Each is an audit event (case.claim, case.reassign, case.release).
    """

    case = models.ForeignKey(
        "onboarding.KycCase", on_delete=models.PROTECT, related_name="assignments"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_at__isnull=True),
                name="caseassignment_one_current_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} to {self.officer_id}"


class CaseNote(models.Model):
    """An officer's internal note on a case: never shown to the investor, never edited."""

    case = models.ForeignKey("onboarding.KycCase", on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("a note is never edited; add another")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("a note is never deleted")
