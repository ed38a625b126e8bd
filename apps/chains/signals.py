"""Signals other apps listen to, so chains never imports them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a supply sync of one chain committed new observations.
# kwargs: chain (Chain), token_ids (list[int]) whose supply may have changed.
supply_synced = Signal()
