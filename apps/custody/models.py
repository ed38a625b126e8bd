"""What custodians reported: statements of an issuer's account and their holdings."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# Custodians and their accounts are registry facts: they live in the catalogue (same tables).
from apps.catalog.models import Custodian, CustodyAccount
from apps.core.fields import ExactDecimalField


class HoldingStatementQuerySet(models.QuerySet["HoldingStatement"]):
    def without_source(self) -> HoldingStatementQuerySet:
        """Statements without their source bytes, for lists and computations."""
        return self.defer("source")

    def latest_ids_for_accounts(self, account_ids: list[int]) -> dict[int, int]:
        """{account id: id of its latest statement}, in one query.

        Latest means the newest statement date; an older statement imported later never
        replaces it (ties go to the later import).
        """
        latest = (
            HoldingStatement.objects.filter(account=models.OuterRef("pk"))
            .order_by("-statement_date", "-pk")
            .values("pk")[:1]
        )
        rows = (
            CustodyAccount.objects.filter(pk__in=account_ids)
            .annotate(latest_id=models.Subquery(latest))
            .values_list("pk", "latest_id")
        )
        return {account_id: latest_id for account_id, latest_id in rows if latest_id}


class HoldingStatement(models.Model):
    """One custodian's statement of one safekeeping account on a date, fixed by its SHA-256."""

    class Format(models.TextChoices):
        SEMT002 = "semt002", "ISO 20022 semt.002"
        CSV = "csv", "CSV"

    custodian = models.ForeignKey(Custodian, on_delete=models.PROTECT, related_name="statements")
    account = models.ForeignKey(CustodyAccount, on_delete=models.PROTECT, related_name="statements")
    statement_id = models.CharField(max_length=100)
    statement_date = models.DateTimeField(help_text="as of; a date alone means 00:00 UTC")
    format = models.CharField(max_length=8, choices=Format.choices)
    sha256 = models.CharField("SHA-256 of the source file", max_length=64, db_index=True)
    source_name = models.CharField(max_length=255, blank=True)
    # The file as received, so anyone can re-check the SHA-256 and the figures.
    source = models.BinaryField(editable=False)
    page_count = models.PositiveSmallIntegerField(default=1)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_via = models.CharField(max_length=16, blank=True, help_text="command, inbox, upload")

    objects = HoldingStatementQuerySet.as_manager()

    class Meta:
        ordering = ["-statement_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["custodian", "account", "statement_id"], name="statement_unique_id"
            )
        ]
        indexes = [
            models.Index(fields=["account", "-statement_date"], name="statement_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.custodian.slug} {self.statement_id} ({self.statement_date:%Y-%m-%d})"


__all__ = ["Custodian", "CustodyAccount", "Holding", "HoldingStatement"]


class Holding(models.Model):
    """The quantity of one ISIN in one statement."""

    statement = models.ForeignKey(
        HoldingStatement, on_delete=models.CASCADE, related_name="holdings"
    )
    isin = models.CharField("ISIN", max_length=12, db_index=True)
    quantity = ExactDecimalField(max_digits=40, decimal_places=10)

    class Meta:
        ordering = ["isin"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "isin"], name="holding_one_per_isin")
        ]

    def __str__(self) -> str:
        return f"{self.isin}: {self.quantity}"
