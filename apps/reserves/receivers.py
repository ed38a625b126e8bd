"""Recompute the backing after every supply sync and every custodian statement import."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from apps.chains.signals import supply_synced
from apps.custody.signals import statements_imported

from . import tasks


@receiver(supply_synced, dispatch_uid="reserves-after-supply-sync")
def recompute_after_supply_sync(sender: Any, *, token_ids: list[int], **kwargs: Any) -> None:
    if token_ids:
        tasks.compute_reserves.delay_on_commit(token_ids=list(token_ids))


@receiver(statements_imported, dispatch_uid="reserves-after-statement-import")
def recompute_after_import(sender: Any, *, issuer_ids: list[int], **kwargs: Any) -> None:
    if issuer_ids:
        tasks.compute_reserves_for_issuers.delay_on_commit(issuer_ids=list(issuer_ids))
