from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="jurisdictions.prune_access_log", time_limit=300, soft_time_limit=240)
def prune_access_log() -> int:
    """Delete access-log entries past ACCESS_LOG_RETENTION_DAYS."""
    return services.prune_access_log()
