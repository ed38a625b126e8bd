"""Illustrative answers for the API documentation: AAPLx and AAPL are real catalogue facts;
every price is a simulated demo value."""

from __future__ import annotations

from typing import Any

LATEST: dict[str, Any] = {
    "as_of": "2025-06-02T14:30:20.417Z",
    "session": "regular",
    "next_open": "2025-06-03T13:30:00Z",
    "count": 1,
    "results": [
        {
            "symbol": "AAPLx",
            "underlying": "AAPL",
            "multiplier": "1",
            "price": "201.4172",
            "as_of": "2025-06-02T14:30:15Z",
            "age_seconds": 5,
            "stale": False,
            "source": "simulator",
            "fair_value": "201.3500",
            "underlying_price": "201.35",
            "underlying_as_of": "2025-06-02T14:30:15Z",
            "underlying_stale": False,
            "premium_bps": "3.34",
            "change_24h": "1.2172",
            "change_24h_pct": "0.61",
            "session": "regular",
        }
    ],
}

BARS: dict[str, Any] = {
    "symbol": "AAPLx",
    "interval": "1h",
    "since": "2025-06-02T00:00:00Z",
    "truncated": False,
    "bars": [
        {
            "start": "2025-06-02T14:00:00Z",
            "open": "200.95",
            "high": "201.62",
            "low": "200.81",
            "close": "201.4172",
            "quotes": 360,
        }
    ],
}
