"""Celery tasks: thin wrappers over apps.chains.services, scheduled by CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.catalog.models import Chain, Token
from apps.core.models import JobRun

from . import services
from .models import OracleFeed
from .readings import ChainReadError

TASK_TIME_LIMIT = 120  # seconds, hard: a sync of 512 deployments takes about 1 s
TASK_SOFT_TIME_LIMIT = 100  # seconds


class TransientSyncError(ChainReadError):
    """Raised by a task only when its run failed for a reason worth retrying."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=True)


def _outcome(run: JobRun) -> dict:
    if run.status == JobRun.Status.FAILED and run.counts.get("transient"):
        raise TransientSyncError(run.error)
    return {"run": run.pk, "status": run.status, "counts": run.counts, "error": run.error}


_retrying = {
    "autoretry_for": (TransientSyncError,),
    "retry_backoff": 5,  # seconds, doubled at every retry
    "retry_backoff_max": 600,  # seconds
    "retry_jitter": True,
    "max_retries": 6,
    "time_limit": TASK_TIME_LIMIT,
    "soft_time_limit": TASK_SOFT_TIME_LIMIT,
}


NOT_READ = {"status": "skipped", "reason": "no node configured"}


@shared_task(name="chains.sync_supply", **_retrying)
def sync_supply(chain_id: int, token_id: int | None = None) -> dict:
    chain = Chain.objects.get(pk=chain_id)
    if not chain.has_node:
        return NOT_READ  # not a failure: this site reads no node for the chain
    token = Token.objects.get(pk=token_id) if token_id else None
    return _outcome(services.sync_supply(chain=chain, token=token))


@shared_task(name="chains.sync_oracles", **_retrying)
def sync_oracles(chain_id: int) -> dict:
    chain = Chain.objects.get(pk=chain_id)
    if not chain.has_node:
        return NOT_READ
    return _outcome(services.sync_oracles(chain=chain))


def _with_node(chains) -> list[int]:
    return [c.pk for c in chains if c.has_node]


@shared_task(name="chains.sync_supply_all", time_limit=30, soft_time_limit=20)
def sync_supply_all() -> list[int]:
    """Queue one supply sync per chain that has deployments and a node (chains without a
    node are skipped quietly: their deployments read "not read: no node configured")."""
    ids = _with_node(Chain.objects.filter(deployments__isnull=False).distinct().order_by("pk"))
    for chain_id in ids:
        sync_supply.delay_on_commit(chain_id)
    return ids


@shared_task(name="chains.sync_oracles_all", time_limit=30, soft_time_limit=20)
def sync_oracles_all() -> list[int]:
    """Queue one oracle sync per chain that has feeds and a node."""
    chain_ids = set(OracleFeed.objects.values_list("chain_id", flat=True))
    ids = _with_node(Chain.objects.filter(pk__in=chain_ids).order_by("pk"))
    for chain_id in ids:
        sync_oracles.delay_on_commit(chain_id)
    return ids


@shared_task(name="chains.prune_supply_observations", time_limit=600, soft_time_limit=540)
def prune_supply_observations() -> int:
    """Delete supply observations older than SUPPLY_OBSERVATION_RETENTION_DAYS that no
    published snapshot refers to (each deployment's latest stays)."""
    cutoff = timezone.now() - dt.timedelta(days=settings.SUPPLY_OBSERVATION_RETENTION_DAYS)
    return services.prune_supply_observations(older_than=cutoff)
