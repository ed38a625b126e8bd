from __future__ import annotations

from celery import shared_task

from .services.notifications import send_outcome_email


@shared_task(name="compliance.notify_investor", time_limit=60, soft_time_limit=45)
def notify_investor(case_id: int) -> bool:
    """E-mail the investor the outcome of a decision on their case."""
    return send_outcome_email(case_id=case_id)
