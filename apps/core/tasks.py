from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone


@shared_task(name="core.ping", time_limit=30, soft_time_limit=20)
def ping() -> dict[str, str]:
    """Answer with the worker's host and time: proves a worker takes tasks from the broker."""
    return {"pong": "ok", "host": socket.gethostname(), "at": timezone.now().isoformat()}
