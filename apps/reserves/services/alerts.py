"""Reserve alerts: one open alert per token and condition, raised and resolved to match the
latest backing, e-mailed once."""

from __future__ import annotations

from apps.catalog.models import Token
from apps.core.formatting import decimal_text, percent_text
from apps.reserves.computation import Backing
from apps.reserves.models import Alert


def alert_message(token: Token, condition: str, backing: Backing) -> str:
    if condition in backing.notes:
        return backing.notes[condition]
    if condition == Alert.Condition.UNDER_BACKED:
        return (
            f"{token.symbol} is under-backed: {decimal_text(backing.shares_held)} shares held "
            "against "
            f"{decimal_text(backing.shares_required)} required ({percent_text(backing.ratio)})."
        )
    return f"{token.symbol} backing data is stale: " + "; ".join(backing.provenance["stale"])
