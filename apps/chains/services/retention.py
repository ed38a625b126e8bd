"""Pruning supply observations: a sync every minute on every chain adds a row per
deployment; readings older than SUPPLY_OBSERVATION_RETENTION_DAYS are deleted, except each
deployment's latest and every one another app keeps (a published snapshot's provenance)."""

from __future__ import annotations

import datetime as dt
import logging

from apps.chains.models import SupplyObservation
from apps.chains.retention import kept_observation_ids

logger = logging.getLogger("apps.chains.services")

DELETE_BATCH = 500  # ids per DELETE: within every database's parameter limit


def prune_supply_observations(*, older_than: dt.datetime) -> int:
    """Delete observations observed before `older_than` that nothing refers to; returns how
    many were deleted. Idempotent; time linear in the observations considered."""
    keep = set(SupplyObservation.objects.latest_per_deployment().values_list("pk", flat=True))
    keep |= kept_observation_ids()
    old = SupplyObservation.objects.filter(observed_at__lt=older_than).values_list("pk", flat=True)
    doomed = [pk for pk in old.iterator(chunk_size=2000) if pk not in keep]
    deleted = 0
    for start in range(0, len(doomed), DELETE_BATCH):
        batch = doomed[start : start + DELETE_BATCH]
        deleted += SupplyObservation.objects.filter(pk__in=batch).delete()[0]
    if deleted:
        logger.info("pruned %d supply observations older than %s", deleted, older_than)
    return deleted
