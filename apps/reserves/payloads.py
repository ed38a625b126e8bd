"""Snapshots as plain rows for the serializers and the downloads (values, not text)."""

from __future__ import annotations

from typing import Any

from apps.catalog.models import Token

from .models import ReserveSnapshot

# Before the first snapshot (or one computed before chains were compared).
NO_CONSISTENCY: dict[str, Any] = {
    "multipliers": [],
    "chains_disagree": False,
    "multiplier_due": [],
    "paused": [],
}

HISTORY_FIELDS = ["computed_at", "ratio", "status", "shares_required", "shares_held", "multiplier"]


def snapshot_summary(token: Token, snapshot: ReserveSnapshot | None) -> dict[str, Any]:
    """One token's latest figures, without provenance (the all-tokens list)."""
    return {
        "symbol": token.symbol,
        "isin": token.security.isin,
        "status": snapshot.status if snapshot else None,
        "ratio": snapshot.ratio if snapshot else None,
        "circulating_supply": snapshot.circulating_supply if snapshot else None,
        "multiplier": snapshot.multiplier if snapshot else token.multiplier,
        "shares_required": snapshot.shares_required if snapshot else None,
        "shares_held": snapshot.shares_held if snapshot else None,
        "as_of": snapshot.as_of if snapshot else None,
        "computed_at": snapshot.computed_at if snapshot else None,
        "checked_at": snapshot.checked_at if snapshot else None,
        "snapshot_id": snapshot.pk if snapshot else None,
    }


def snapshot_detail(token: Token, snapshot: ReserveSnapshot | None) -> dict[str, Any]:
    """Latest figures with provenance: every block and every statement they come from."""
    data = snapshot_summary(token, snapshot)
    provenance = snapshot.provenance if snapshot else {}
    data["supply_by_chain"] = provenance.get("supply_by_chain", [])
    data["holdings_by_custodian"] = provenance.get("holdings_by_custodian", [])
    data["missing"] = provenance.get("missing", [])
    data["stale"] = provenance.get("stale", [])
    data["not_counted"] = provenance.get("not_counted", [])
    data["tolerance_bps"] = provenance.get("tolerance_bps")
    data["consistency"] = provenance.get("consistency") or NO_CONSISTENCY
    return data


def history_rows(points: list[tuple]) -> list[dict[str, Any]]:
    """selectors.history() tuples as rows keyed by HISTORY_FIELDS."""
    return [dict(zip(HISTORY_FIELDS, point, strict=True)) for point in points]
