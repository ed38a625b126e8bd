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

# AAPLx's real Data Streams v10 feed id; the report is the demo endpoint's (demo signers,
# simulated figures).
ORACLE_STATUS: dict[str, Any] = {
    "symbol": "AAPLx",
    "feed_id": "0x000a7a12270b5a30236bf410679df0c6bb1bba2b40e5d86847748ff1c8f8452b",
    "report": {
        "observed_at": "2025-06-02T14:30:15Z",
        "valid_from": "2025-06-02T14:30:15Z",
        "expires_at": "2025-06-03T14:30:15Z",
        "last_update_at": "2025-06-02T14:30:14Z",
        "price": "201.35",
        "tokenized_price": "201.4172",
        "market_status": "open",
        "market_status_code": 2,
        "current_multiplier": "1",
        "new_multiplier": "0",
        "activation_at": None,
        "verification": "verified",
        "signers": [
            "0x19031aA6360392D90874dB8118E7A521381B60Ce",
            "0x623Fc7Bb560494627D1Ed9F04828668CA32Eca16",
        ],
        "demo": True,
        "feed_id": "0x000a7a12270b5a30236bf410679df0c6bb1bba2b40e5d86847748ff1c8f8452b",
        "config_digest": "0x00068b372a3b5bc49c9f6449af509449207517db51c93c0ad8d98482d4b2016d",
        "epoch": 29171177,
        "round": 15,
        # Shortened here; the API answers the whole signed report (about 1,400 bytes).
        "full_report": "0x00068b372a3b5bc49c9f6449af509449207517db51c93c0ad8d98482d4b2016d…",
    },
    "age_seconds": 5,
    "stale": False,
    "session_at_report": "regular",
    "chains": [
        {
            "chain": "ethereum",
            "chain_name": "Ethereum",
            "multiplier": "1",
            "read": False,
            "observed_at": "2025-06-02T14:30:02Z",
            "agrees": True,
        },
        {
            "chain": "solana",
            "chain_name": "Solana",
            "multiplier": "1",
            "read": True,
            "observed_at": "2025-06-02T14:30:04Z",
            "agrees": True,
        },
    ],
    "market_status_disagrees": False,
    "multiplier_disagrees": False,
    "disagrees": False,
}

ORACLE: dict[str, Any] = {
    "as_of": "2025-06-02T14:30:20.417Z",
    "count": 1,
    "results": [ORACLE_STATUS],
}
