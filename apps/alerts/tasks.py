"""Celery wrappers of the alerts services: ids in, services do the work."""

from __future__ import annotations

import datetime as dt
import smtplib

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .services import deliveries, subscriptions


def _queue_sends(delivery_ids: list[int]) -> int:
    batches = deliveries.batches(delivery_ids)
    for batch in batches:
        send_deliveries.delay_on_commit(delivery_ids=batch)
    return len(batches)


@shared_task(name="alerts.fan_out", time_limit=300, soft_time_limit=240)
def fan_out(*, event_ids: list[int]) -> int:
    """Create the deliveries of new public events and queue their sending; returns the
    number of send tasks queued."""
    return _queue_sends(deliveries.create_deliveries(event_ids=event_ids))


# Acknowledged only when done, and given back to the broker if the worker process dies:
# the claim on each delivery keeps a second run from sending what the first one sent.
@shared_task(
    name="alerts.send_deliveries",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=120,
    soft_time_limit=100,
)
def send_deliveries(*, delivery_ids: list[int]) -> int:
    """E-mail these deliveries (those nobody else holds); returns how many were sent."""
    return deliveries.send_deliveries(delivery_ids=delivery_ids)


@shared_task(
    name="alerts.retry_deliveries",
    time_limit=120,
    soft_time_limit=100,
)
def retry_deliveries() -> int:
    """Beat: create the deliveries of events never announced, and queue again deliveries
    whose task was lost, whose send failed, or whose worker died holding them; returns the
    number of send tasks queued."""
    missed = deliveries.unannounced_events()
    queued = _queue_sends(deliveries.create_deliveries(event_ids=missed)) if missed else 0
    return queued + _queue_sends(deliveries.stale_deliveries())


@shared_task(
    name="alerts.send_confirmation",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=6,
    time_limit=60,
    soft_time_limit=50,
)
def send_confirmation(*, subscription_id: int, language: str = "") -> bool:
    """E-mail the confirmation link of a new subscription, in `language` (the request's;
    empty: the subscriber's), retried when the mail server cannot be reached."""
    return subscriptions.send_confirmation(subscription_id=subscription_id, language=language)


@shared_task(name="alerts.prune_unconfirmed", time_limit=600, soft_time_limit=540)
def prune_unconfirmed() -> int:
    """Delete subscriptions not confirmed within ALERTS_CONFIRM_DAYS (and addresses left
    with none), and delivery records older than ALERTS_DELIVERY_RETENTION_DAYS."""
    now = timezone.now()
    subscriptions.prune_deliveries(
        older_than=now - dt.timedelta(days=settings.ALERTS_DELIVERY_RETENTION_DAYS)
    )
    return subscriptions.prune_unconfirmed(
        older_than=now - dt.timedelta(days=settings.ALERTS_CONFIRM_DAYS)
    )
