from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(time_limit=300, soft_time_limit=240)
def compute_reserves(*, token_ids: list[int]) -> int:
    """Recompute the backing of these tokens (after a supply sync)."""
    return services.compute_for_token_ids(token_ids=token_ids)


@shared_task(time_limit=300, soft_time_limit=240)
def record_multiplier_changes(*, token_ids: list[int]) -> int:
    """Public events for the multipliers a supply sync found changed."""
    from .services.events import multiplier_change_events

    return len(multiplier_change_events(token_ids=token_ids))


@shared_task(time_limit=300, soft_time_limit=240)
def compute_reserves_for_issuers(*, issuer_ids: list[int]) -> int:
    """Recompute every token of these issuers (after a custodian statement import)."""
    return services.compute_for_issuers(issuer_ids=issuer_ids)


@shared_task(time_limit=300, soft_time_limit=240)
def compute_all_reserves() -> int:
    """Recompute every token, so data that grows old turns stale without a new input."""
    return services.compute_for_token_ids(token_ids=[])


@shared_task(time_limit=600, soft_time_limit=540)
def prune_resolved_alerts() -> int:
    """Delete alerts resolved more than RESERVE_ALERT_RETENTION_DAYS ago."""
    cutoff = timezone.now() - dt.timedelta(days=settings.RESERVE_ALERT_RETENTION_DAYS)
    return services.prune_resolved_alerts(older_than=cutoff)
