"""New public events (apps.reserves.signals) are e-mailed to the subscribers who follow them."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from apps.reserves.signals import public_events_recorded

from . import tasks


@receiver(public_events_recorded, dispatch_uid="alerts-fan-out")
def queue_fan_out(sender: Any, *, event_ids: list[int], **kwargs: Any) -> None:
    if event_ids:
        tasks.fan_out.delay_on_commit(event_ids=list(event_ids))
