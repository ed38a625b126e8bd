"""Pruning resolved reserve alerts older than RESERVE_ALERT_RETENTION_DAYS.

Snapshots are never pruned: each is a published change of the backing, and its provenance
keeps the supply observations it names (registered with apps.chains.retention)."""

from __future__ import annotations

import datetime as dt

from apps.reserves.models import Alert


def prune_resolved_alerts(*, older_than: dt.datetime) -> int:
    """Delete alerts resolved before `older_than`; open alerts always stay."""
    return Alert.objects.filter(resolved_at__lt=older_than).delete()[0]


def snapshot_observation_ids() -> set[int]:
    """Every supply observation a snapshot's provenance names (kept by the chains pruning)."""
    from apps.reserves.models import ReserveSnapshot

    ids: set[int] = set()
    rows = ReserveSnapshot.objects.values_list("provenance", flat=True).iterator(chunk_size=500)
    for provenance in rows:
        for entry in (provenance or {}).get("supply_by_chain", []):
            if isinstance(entry, dict) and isinstance(entry.get("observation_id"), int):
                ids.add(entry["observation_id"])
    return ids
