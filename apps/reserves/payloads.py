"""Snapshots as open data (API, JSON download): decimals as strings, times as ISO 8601."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime

from apps.catalog.models import Token

from .models import Attestation, ReserveSnapshot
from .services import _s


def dec(value: Decimal | None) -> str | None:
    return _s(value)


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def snapshot_summary(token: Token, snapshot: ReserveSnapshot | None) -> dict[str, Any]:
    """One token's latest figures, without provenance (the all-tokens list)."""
    base = {"symbol": token.symbol, "isin": token.security.isin}
    if snapshot is None:
        return {
            **base,
            "status": None,
            "ratio": None,
            "shares_required": None,
            "shares_held": None,
            "circulating_supply": None,
            "multiplier": dec(token.multiplier),
            "as_of": None,
            "computed_at": None,
        }
    return {
        **base,
        "status": snapshot.status,
        "ratio": dec(snapshot.ratio),
        "circulating_supply": dec(snapshot.circulating_supply),
        "multiplier": dec(snapshot.multiplier),
        "shares_required": dec(snapshot.shares_required),
        "shares_held": dec(snapshot.shares_held),
        "as_of": iso(snapshot.as_of),
        "computed_at": iso(snapshot.computed_at),
        "checked_at": iso(snapshot.checked_at),
        "snapshot_id": snapshot.pk,
    }


def snapshot_detail(token: Token, snapshot: ReserveSnapshot | None) -> dict[str, Any]:
    """Latest figures with provenance: every block and every statement they come from."""
    data = snapshot_summary(token, snapshot)
    provenance = snapshot.provenance if snapshot else {}
    data["supply_by_chain"] = provenance.get("supply_by_chain", [])
    data["holdings_by_custodian"] = provenance.get("holdings_by_custodian", [])
    data["missing"] = provenance.get("missing", [])
    data["stale"] = provenance.get("stale", [])
    data["tolerance_bps"] = provenance.get("tolerance_bps")
    return data


def attestation_data(a: Attestation) -> dict[str, Any]:
    return {
        "auditor": a.auditor,
        "issuer": a.issuer.slug if a.issuer_id else None,
        "token": a.token.symbol if a.token_id else None,
        "period_start": iso(a.period_start),
        "period_end": iso(a.period_end),
        "date": iso(a.date),
        "document_url": a.document_url,
        "sha256": a.sha256,
        "summary": a.summary,
    }


HISTORY_FIELDS = ["computed_at", "ratio", "status", "shares_required", "shares_held", "multiplier"]


def history_rows(points: list[tuple]) -> list[dict[str, Any]]:
    return [
        {
            "computed_at": iso(p[0]),
            "ratio": dec(p[1]),
            "status": p[2],
            "shares_required": dec(p[3]),
            "shares_held": dec(p[4]),
            "multiplier": dec(p[5]),
        }
        for p in points
    ]


def parse_since(text: str | None) -> dt.datetime | None:
    """?since= as an ISO date or date-time (UTC when naive). Raises ValueError if unreadable."""
    if not text:
        return None
    value = parse_datetime(text.replace(" ", "+")) if "T" in text else None
    if value is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"since={text!r} is not an ISO 8601 date or date-time")
        value = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value
