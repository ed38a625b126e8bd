from __future__ import annotations

import datetime as dt
import socket

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(name="core.ping", time_limit=30, soft_time_limit=20)
def ping() -> dict[str, str]:
    """Answer with the worker's host and time: proves a worker takes tasks from the broker."""
    return {"pong": "ok", "host": socket.gethostname(), "at": timezone.now().isoformat()}


@shared_task(name="core.prune_job_runs", time_limit=600, soft_time_limit=540)
def prune_job_runs() -> int:
    """Delete job runs older than JOB_RUN_RETENTION_DAYS (the latest per job stays)."""
    cutoff = timezone.now() - dt.timedelta(days=settings.JOB_RUN_RETENTION_DAYS)
    return services.prune_job_runs(older_than=cutoff)
