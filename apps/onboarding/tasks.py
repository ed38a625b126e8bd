from __future__ import annotations

import smtplib
from dataclasses import asdict

from celery import shared_task

from apps.catalog.models import Chain
from apps.core.models import JobRun

from .services import alerts, exposure, rescreening, retention, reviews


@shared_task(name="onboarding.prune", time_limit=300, soft_time_limit=240)
def prune() -> dict[str, int]:
    """Expired sessions, never-confirmed accounts and never-signed wallet claims."""
    return asdict(retention.prune())


@shared_task(name="onboarding.rescreen", time_limit=1800, soft_time_limit=1700)
def rescreen(load_id: int) -> dict[str, int]:
    """Screen approved and pending investors against what one list load changed (once)."""
    return rescreening.rescreen(load_id=load_id)


@shared_task(
    name="onboarding.send_officer_alert",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,  # seconds, doubled at every retry
    retry_backoff_max=1800,
    max_retries=10,
    time_limit=60,
    soft_time_limit=45,
)
def send_officer_alert(alert_id: int) -> bool:
    """One e-mail to the officers; a retried task sends nothing twice."""
    return alerts.send_officer_alert(alert_id=alert_id)


@shared_task(name="onboarding.open_due_reviews", time_limit=600, soft_time_limit=540)
def open_due_reviews() -> dict[str, list[int]]:
    """Approved cases with an expired identity document or a periodic review due go back to
    review (idempotent: a reopened case is no longer approved)."""
    return asdict(reviews.open_due_reviews())


class TransientScanError(Exception):
    """A scan failed for a reason worth retrying (connection refused, timeout, HTTP 5xx)."""


@shared_task(
    name="onboarding.scan_transfers",
    autoretry_for=(TransientScanError,),
    retry_backoff=5,  # seconds, doubled at every retry
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    time_limit=300,
    soft_time_limit=270,
)
def scan_transfers(chain_id: int) -> dict:
    """Read one chain's new transfers of catalogue tokens to and from verified wallets."""
    run = exposure.scan_transfers(chain=Chain.objects.get(pk=chain_id))
    if run.status == JobRun.Status.FAILED and run.counts.get("transient"):
        raise TransientScanError(run.error)
    return {"run": run.pk, "status": run.status, "counts": run.counts, "error": run.error}


@shared_task(name="onboarding.scan_transfers_all", time_limit=30, soft_time_limit=20)
def scan_transfers_all() -> list[int]:
    """Queue one scan per chain that has catalogue deployments and a node."""
    chains = Chain.objects.filter(deployments__isnull=False).distinct().order_by("pk")
    ids = [chain.pk for chain in chains if chain.effective_rpc_url]
    for chain_id in ids:
        scan_transfers.delay_on_commit(chain_id)
    return ids
