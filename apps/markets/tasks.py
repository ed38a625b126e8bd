from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="markets.sync_prices", time_limit=120, soft_time_limit=100)
def sync_prices() -> dict[str, object]:
    """Ask every configured price source and record the quotes."""
    result = services.sync_prices()
    return {"counts": result.counts, "errors": result.errors}


@shared_task(name="markets.compact_history", time_limit=600, soft_time_limit=540)
def compact_history() -> dict[str, int]:
    """Roll bars up (1 minute -> hour -> day) and drop what retention no longer keeps."""
    return services.compact_history()
