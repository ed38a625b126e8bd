"""Investors, their declarations, KYC cases, documents, screening and wallets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Chain, Deployment
from apps.core.fields import ExactDecimalField


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only record."""


class InvestorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="investor"
    )
    full_name = models.CharField(max_length=200)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The site's language at sign-up (settings.LANGUAGES): e-mails sent later (the decision
    # on the application) are written in it; empty: English.
    language = models.CharField(max_length=16, blank=True, default="")

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
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    MORE_INFO = "more_info", _("More information needed")


# The only moves a case can make. An investor resubmits after "more information needed".
# A review is (re)opened on an approved case, or taken back from the investor, when something
# new needs an officer (a re-screening hit, an expired document, a periodic review); one in
# review restarts its round (in_review -> in_review), so earlier first approvals no longer count.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.DRAFT: frozenset({CaseState.SUBMITTED}),
    CaseState.SUBMITTED: frozenset({CaseState.IN_REVIEW}),
    CaseState.IN_REVIEW: frozenset(
        {CaseState.APPROVED, CaseState.REJECTED, CaseState.MORE_INFO, CaseState.IN_REVIEW}
    ),
    CaseState.MORE_INFO: frozenset({CaseState.SUBMITTED, CaseState.IN_REVIEW}),
    CaseState.APPROVED: frozenset({CaseState.IN_REVIEW}),
    CaseState.REJECTED: frozenset(),
}
# Cases that are screened again when a list changes: approved investors and applications
# an officer has seen or will see (drafts are screened when they are submitted).
RESCREENED_STATES = (
    CaseState.APPROVED,
    CaseState.SUBMITTED,
    CaseState.IN_REVIEW,
    CaseState.MORE_INFO,
)


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
    # When the case last entered the review queue (submission or a reopened review): its age
    # is measured against KYC_REVIEW_DEADLINE_DAYS from here.
    queued_at = models.DateTimeField(null=True, blank=True)
    # Set when a review is reopened on an approved case: the investor's pages are refused
    # until an officer decides (cleared by the decision).
    access_suspended_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def access_suspended(self) -> bool:
        return self.access_suspended_at is not None and self.state != CaseState.APPROVED


class KycTransition(models.Model):
    case = models.ForeignKey(KycCase, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=CaseState.choices)
    to_state = models.CharField(max_length=10, choices=CaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    # A note for officers only (why a review was opened): the investor sees the move, not this.
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state}"

    @property
    def investor_note(self) -> str:
        """What the investor may read of the note."""
        return "" if self.internal else self.note


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity document")
    ADDRESS = "address", _("Proof of address")


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
    # Identity documents: the last day the document is valid (entered at upload or by an
    # officer); an approved case whose identity document has expired is reviewed again.
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class SanctionsList(models.Model):
    """A consolidated list, one per source; a new load of the source updates its entries
    in place (added, changed, removed) and is recorded as a SanctionsListLoad."""

    source = models.CharField(max_length=40, unique=True)
    format = models.CharField(max_length=20)
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    entry_count = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(default=timezone.now)
    # What the publisher calls this edition, and the day it is dated (see load_sanctions).
    version = models.CharField(max_length=100, blank=True, default="")
    published_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source} ({self.entry_count})"


class SanctionsListLoad(models.Model):
    """One load of a list: its version and date, what changed, and the re-screening it caused."""

    sanctions_list = models.ForeignKey(
        SanctionsList, on_delete=models.CASCADE, related_name="loads"
    )
    source = models.CharField(max_length=40)
    version = models.CharField(max_length=100, blank=True, default="")
    published_on = models.DateField(null=True, blank=True)
    format = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64)
    entry_count = models.PositiveIntegerField()
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    address_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(default=timezone.now)
    rescreened_at = models.DateTimeField(null=True, blank=True)
    rescreen_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-loaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.version or self.sha256[:12]} ({self.loaded_at:%Y-%m-%d})"


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
    # Digital currency addresses as listed: [{"currency": "ETH", "address": "0x..."}].
    addresses = models.JSONField(default=list)
    # SHA-256 of everything above that the list says (sanctions.fingerprint): a reload
    # compares it to tell a changed entry from an unchanged one.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    # The load that added or last changed the entry: its re-screening matches only these.
    changed_in = models.ForeignKey(
        SanctionsListLoad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sanctions_list", "external_id"], name="sanctionsentry_unique_id"
            )
        ]
        indexes = [models.Index(fields=["changed_in"], name="sanctionsentry_changed_in")]

    def __str__(self) -> str:
        return self.name


class AddressKind(models.TextChoices):
    EVM = "evm", _("EVM")
    SOLANA = "solana", _("Solana")
    OTHER = "other", _("Other chain")


class SanctionedAddress(models.Model):
    """One digital currency address of a list entry, with the key it is matched by:
    EVM addresses lower-case (any EVM code is a hit on every EVM chain), Solana exactly,
    bech32 lower-case, anything else exactly."""

    entry = models.ForeignKey(
        SanctionsEntry, on_delete=models.CASCADE, related_name="listed_addresses"
    )
    currency = models.CharField(max_length=16)
    address = models.CharField(max_length=256, help_text="canonical form (EIP-55 for EVM)")
    kind = models.CharField(max_length=8, choices=AddressKind.choices)
    match_key = models.CharField(max_length=256)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "match_key"], name="sanctionedaddress_match")]

    def __str__(self) -> str:
        return f"{self.currency} {self.address}"


class HitKind(models.TextChoices):
    NAME = "name", "Name"
    WALLET = "wallet", "Wallet address"


class ScreeningHit(models.Model):
    case = models.ForeignKey(KycCase, on_delete=models.CASCADE, related_name="screening_hits")
    entry = models.ForeignKey(
        SanctionsEntry, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=HitKind.choices, default=HitKind.NAME)
    # A wallet hit: the investor's verified wallet whose address is listed.
    wallet = models.ForeignKey(
        "Wallet", null=True, blank=True, on_delete=models.SET_NULL, related_name="hits"
    )
    # The list load whose re-screening found it (none: found at submission or verification).
    load = models.ForeignKey(
        SanctionsListLoad, null=True, blank=True, on_delete=models.SET_NULL, related_name="hits"
    )
    # A copy of what matched, so the evidence survives a reload of the list.
    source = models.CharField(max_length=40)
    external_id = models.CharField(max_length=100)
    entry_name = models.CharField(max_length=500)
    matched_name = models.CharField(max_length=500)
    entry_snapshot = models.JSONField(default=dict)
    entry_fingerprint = models.CharField(max_length=64, blank=True, default="")
    score = models.DecimalField(max_digits=5, decimal_places=1)
    name_score = models.DecimalField(max_digits=5, decimal_places=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "id"]

    def __str__(self) -> str:
        return f"{self.entry_name} ({self.score})"


class WalletKind(models.TextChoices):
    EVM = "evm", _("EVM (Ethereum and compatible)")
    SOLANA = "solana", _("Solana")


def wallet_match_key():
    """The expression a wallet's address is matched by against SanctionedAddress.match_key:
    lower-case for EVM (listings mix checksummed and lower-case), exact for Solana."""
    return Case(When(kind=AddressKind.EVM, then=Lower("address")), default=F("address"))


class WalletQuerySet(models.QuerySet):
    def listed(self) -> WalletQuerySet:
        """Wallets whose address is on a loaded sanctions list."""
        return self.annotate(_match_key=wallet_match_key()).filter(
            Exists(
                SanctionedAddress.objects.filter(
                    kind=OuterRef("kind"), match_key=OuterRef("_match_key")
                )
            )
        )

    def allowlist(self) -> WalletQuerySet:
        """Verified wallets of approved investors: the mint and redemption allowlist.

        A wallet whose address is on a loaded list is left out from the moment the list
        is loaded, whatever its investor's case says.
        """
        listed = self.listed().values("pk")
        return (
            self.filter(verified_at__isnull=False, user__kyc_cases__state=CaseState.APPROVED)
            .exclude(pk__in=listed)
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


class TransferCursor(models.Model):
    """How far the exposure scan has read one chain: the last block (and its hash, to see a
    reorganisation) for EVM, the newest signature read per mint for Solana, and the block
    range per eth_getLogs call that the node last accepted."""

    chain = models.OneToOneField(Chain, on_delete=models.CASCADE, related_name="transfer_cursor")
    block_number = models.BigIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=100, blank=True, default="")
    block_range = models.PositiveIntegerField(default=0)
    signatures = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.chain}: block {self.block_number}"


class WalletTransferQuerySet(models.QuerySet):
    def flagged(self) -> WalletTransferQuerySet:
        return self.filter(flagged_at__isnull=False)

    def of_user(self, user_id: int) -> WalletTransferQuerySet:
        return self.filter(Q(from_wallet__user_id=user_id) | Q(to_wallet__user_id=user_id))


class WalletTransfer(models.Model):
    """A transfer of a catalogue token to or from a verified wallet, as the chain logged it.

    Flagged when the other side (or the wallet itself) is a listed address. Unique on
    (chain, transaction, log index): a scan read twice stores it once. On Solana the
    "log index" numbers the sender/receiver pairs the transaction's token balances show.
    """

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey(
        Deployment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tx_hash = models.CharField(max_length=100)
    log_index = models.PositiveIntegerField()
    block_number = models.BigIntegerField()
    block_hash = models.CharField(max_length=100, blank=True, default="")
    block_time = models.DateTimeField(null=True, blank=True)
    from_address = models.CharField(max_length=64)
    to_address = models.CharField(max_length=64)
    raw_amount = ExactDecimalField(max_digits=78, decimal_places=0)
    from_wallet = models.ForeignKey(
        "Wallet", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_wallet = models.ForeignKey(
        "Wallet", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged_at = models.DateTimeField(null=True, blank=True)
    # The listed side(s) when flagged: [{"address", "currency", "source", "external_id", "name"}].
    listed = models.JSONField(default=list, blank=True)
    observed_at = models.DateTimeField(default=timezone.now)

    objects = WalletTransferQuerySet.as_manager()

    class Meta:
        ordering = ["-block_number", "-log_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "tx_hash", "log_index"], name="wallettransfer_unique_log"
            )
        ]
        indexes = [models.Index(fields=["chain", "block_number"], name="wallettransfer_block")]

    def __str__(self) -> str:
        return f"{self.chain} {self.tx_hash}#{self.log_index}"

    @property
    def tx_url(self) -> str:
        """The transaction on the chain's explorer ("" when the chain has none)."""
        base = self.chain.explorer_url.rstrip("/")
        return f"{base}/tx/{self.tx_hash}" if base else ""


class OfficerAlert(models.Model):
    """One e-mail to the compliance officers (COMPLIANCE_EMAIL and every active officer),
    written in the transaction of what caused it and sent once, after the commit, by the task
    onboarding.send_officer_alert. `key` names the cause, so a retried job writes no second."""

    key = models.CharField(max_length=100, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject
