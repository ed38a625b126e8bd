"""Recompute the backing after every supply sync, every custodian statement import and
every new price-oracle report (whose disagreement with the chains raises an alert)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.chains.signals import supply_synced
from apps.custody.signals import statements_imported
from apps.markets.signals import oracle_reports_recorded

from . import tasks
from .models import Attestation
from .services.cache import bump_reserves_version
from .services.events import attestation_event, statement_events


@receiver(supply_synced, dispatch_uid="reserves-after-supply-sync")
def recompute_after_supply_sync(sender: Any, *, token_ids: list[int], **kwargs: Any) -> None:
    if token_ids:
        tasks.compute_reserves.delay_on_commit(token_ids=list(token_ids))
        tasks.record_multiplier_changes.delay_on_commit(token_ids=list(token_ids))


@receiver(statements_imported, dispatch_uid="reserves-after-statement-import")
def recompute_after_import(sender: Any, *, issuer_ids: list[int], **kwargs: Any) -> None:
    if issuer_ids:
        tasks.compute_reserves_for_issuers.delay_on_commit(issuer_ids=list(issuer_ids))


@receiver(statements_imported, dispatch_uid="reserves-statement-events")
def record_statement_events(sender: Any, *, statement_ids: list[int], **kwargs: Any) -> None:
    """Readers following the issuer's tokens are told of every new custodian statement."""
    if statement_ids:
        statement_events(statement_ids=statement_ids)


@receiver(post_save, sender=Attestation, dispatch_uid="reserves-attestation-event")
def record_attestation_event(sender: Any, instance: Attestation, created: bool, **kwargs: Any):
    if created and not kwargs.get("raw"):
        attestation_event(attestation=instance)


@receiver(oracle_reports_recorded, dispatch_uid="reserves-after-oracle-reports")
def recompute_after_oracle_reports(sender: Any, *, token_ids: list[int], **kwargs: Any) -> None:
    if token_ids:
        tasks.compute_reserves.delay_on_commit(token_ids=list(token_ids))


@receiver(post_save, sender=Attestation, dispatch_uid="reserves-attestation-version")
@receiver(post_delete, sender=Attestation, dispatch_uid="reserves-attestation-version-del")
def attestations_changed(sender: Any, **kwargs: Any) -> None:
    """Pages that list attestations (the transparency pages, the backing API) read afresh."""
    transaction.on_commit(bump_reserves_version)
