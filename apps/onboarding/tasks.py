from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from .services import retention


@shared_task(name="onboarding.prune", time_limit=300, soft_time_limit=240)
def prune() -> dict[str, int]:
    """Expired sessions, never-confirmed accounts and never-signed wallet claims."""
    return asdict(retention.prune())
