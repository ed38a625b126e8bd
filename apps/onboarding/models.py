"""Investors, their declarations, KYC cases, documents, screening and wallets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only record."""


class InvestorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="investor"
    )
    full_name = models.CharField(max_length=200)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.full_name

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class Declaration(models.Model):
    """An eligibility questionnaire exactly as answered. Never edited: a new answer is a new row."""

    profile = models.ForeignKey(
        InvestorProfile, on_delete=models.PROTECT, related_name="declarations"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The full address is kept: it is evidence about an identified person under AML
    # record-keeping, unlike the anonymous visitors of the access log.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    ip_country = models.CharField(max_length=2, blank=True, default="")
    full_name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    residence_country = models.CharField(max_length=2)
    residence_region = models.CharField(max_length=6, blank=True, default="")
    citizenships = models.JSONField(default=list)
    tax_residences = models.JSONField(default=list)
    us_citizen = models.BooleanField()
    us_green_card = models.BooleanField()
    us_resident = models.BooleanField()
    us_tax_person = models.BooleanField()
    eligible = models.BooleanField()
    reasons = models.JSONField(default=list, help_text="why ineligible, in plain words")
    review_reasons = models.JSONField(default=list, help_text="what needs a closer look")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.full_name} {self.created_at:%Y-%m-%d %H:%M} eligible={self.eligible}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("a declaration is never edited; record a new one")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("a declaration is never deleted")


class CaseState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    MORE_INFO = "more_info", "More information needed"


# The only moves a case can make. An investor resubmits after "more information needed".
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.DRAFT: frozenset({CaseState.SUBMITTED}),
    CaseState.SUBMITTED: frozenset({CaseState.IN_REVIEW}),
    CaseState.IN_REVIEW: frozenset({CaseState.APPROVED, CaseState.REJECTED, CaseState.MORE_INFO}),
    CaseState.MORE_INFO: frozenset({CaseState.SUBMITTED}),
    CaseState.APPROVED: frozenset(),
    CaseState.REJECTED: frozenset(),
}


class KycCaseQuerySet(models.QuerySet):
    def open(self) -> KycCaseQuerySet:
        return self.exclude(state__in=[CaseState.APPROVED, CaseState.REJECTED])

    def for_queue(self) -> KycCaseQuerySet:
        """The review queue: investor, declaration and number of screening hits in one query."""
        return self.select_related("user", "declaration").annotate(
            hit_count=models.Count("screening_hits", distinct=True)
        )


class KycCase(models.Model):
    """One application to become an eligible investor.

    `state` changes only through services.cases.transition_case, which records every move;
    save() refuses to write a state that was changed on the instance.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="kyc_cases"
    )
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.DRAFT)
    high_risk = models.BooleanField(default=False)
    risk_reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = KycCaseQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One open case per user at a time.
            models.UniqueConstraint(
                fields=["user"],
                condition=~Q(state__in=["approved", "rejected"]),
                name="kyccase_one_open_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.state})"

    def save(self, *args, **kwargs) -> None:
        loaded = getattr(self, "_loaded_state", None)
        if self.pk is None:
            if self.state != CaseState.DRAFT:
                raise ValueError("a case starts as draft")
        elif loaded is not None and self.state != loaded:
            raise ValueError("change a case's state with services.cases.transition_case")
        super().save(*args, **kwargs)
        self._loaded_state = self.state

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_state = instance.__dict__.get("state")
        return instance

    @property
    def editable_by_investor(self) -> bool:
        return self.state in {CaseState.DRAFT, CaseState.MORE_INFO}


class KycTransition(models.Model):
    case = models.ForeignKey(KycCase, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=CaseState.choices)
    to_state = models.CharField(max_length=10, choices=CaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state}"


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", "Identity document"
    ADDRESS = "address", "Proof of address"


class KycDocument(models.Model):
    """An uploaded document, stored under a random name in the private KYC storage."""

    case = models.ForeignKey(KycCase, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class SanctionsList(models.Model):
    """One load of a consolidated list; a new load of the same source replaces its entries."""

    source = models.CharField(max_length=40, unique=True)
    format = models.CharField(max_length=20)
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    entry_count = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.source} ({self.entry_count})"


class SanctionsEntry(models.Model):
    sanctions_list = models.ForeignKey(
        SanctionsList, on_delete=models.CASCADE, related_name="entries"
    )
    external_id = models.CharField(max_length=100)
    schema = models.CharField(max_length=40, blank=True, default="")
    name = models.CharField(max_length=500)
    aliases = models.JSONField(default=list)
    birth_dates = models.JSONField(default=list, help_text="ISO dates or years as given")
    nationalities = models.JSONField(default=list, help_text="ISO 3166-1 alpha-2, lower or upper")
    programs = models.CharField(max_length=500, blank=True, default="")
    # Name and aliases normalised once at load (sanctions.normalize_name), same order.
    search_names = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sanctions_list", "external_id"], name="sanctionsentry_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ScreeningHit(models.Model):
    case = models.ForeignKey(KycCase, on_delete=models.CASCADE, related_name="screening_hits")
    entry = models.ForeignKey(
        SanctionsEntry, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A copy of what matched, so the evidence survives a reload of the list.
    source = models.CharField(max_length=40)
    external_id = models.CharField(max_length=100)
    entry_name = models.CharField(max_length=500)
    matched_name = models.CharField(max_length=500)
    entry_snapshot = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=5, decimal_places=1)
    name_score = models.DecimalField(max_digits=5, decimal_places=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "id"]

    def __str__(self) -> str:
        return f"{self.entry_name} ({self.score})"


class WalletKind(models.TextChoices):
    EVM = "evm", "EVM (Ethereum and compatible)"
    SOLANA = "solana", "Solana"


class WalletQuerySet(models.QuerySet):
    def allowlist(self) -> WalletQuerySet:
        """Verified wallets of approved investors: the mint and redemption allowlist."""
        return (
            self.filter(verified_at__isnull=False, user__kyc_cases__state=CaseState.APPROVED)
            .select_related("user")
            .distinct()
            .order_by("kind", "address")
        )


class Wallet(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallets"
    )
    kind = models.CharField(max_length=8, choices=WalletKind.choices)
    address = models.CharField(max_length=64)
    challenge = models.TextField(blank=True, default="")
    challenge_expires_at = models.DateTimeField(null=True, blank=True)
    signature = models.TextField(blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WalletQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Anyone may claim an address; only one owner can prove it.
            models.UniqueConstraint(
                fields=["user", "kind", "address"], name="wallet_unique_per_user"
            ),
            models.UniqueConstraint(
                fields=["kind", "address"],
                condition=Q(verified_at__isnull=False),
                name="wallet_unique_verified_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.address}"
