from __future__ import annotations

from celery import shared_task

from .services import process_inbox


@shared_task(time_limit=300, soft_time_limit=240)
def poll_custody_inbox() -> list[str]:
    """Import whatever custodians dropped in CUSTODY_INBOX_DIR."""
    return [f"{o.name}: {o.message}" for o in process_inbox()]
