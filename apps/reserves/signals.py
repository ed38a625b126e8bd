"""Signals of the reserves app, so apps above it (feeds, subscriptions) never need to be
imported by it."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the transaction that recorded new public events has committed.
# kwargs: event_ids (list[int]) of the PublicEvent rows just created.
public_events_recorded = Signal()
