"""Custodian banks and the accounts where an issuer's shares are held."""

from __future__ import annotations

from django.db import models

from apps.catalog.models import Issuer
from apps.core.validators import validate_country


class Custodian(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[validate_country])
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustodyAccount(models.Model):
    """A safekeeping account of an issuer at a custodian."""

    custodian = models.ForeignKey(Custodian, on_delete=models.PROTECT, related_name="accounts")
    account_id = models.CharField(max_length=64)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="custody_accounts")

    class Meta:
        ordering = ["custodian__name", "account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["custodian", "account_id"], name="custody_account_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.custodian.slug}:{self.account_id}"
