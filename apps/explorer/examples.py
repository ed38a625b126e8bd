"""Illustrative answers shown in the API documentation (Swagger UI).

Catalogue facts are the shipped registry's (AAPLx, Apple Inc., its ISIN, the issuer); the
deployment addresses are the registry's demo addresses and every figure is simulated.
"""

from __future__ import annotations

from typing import Any

from apps.markets.examples import ORACLE_STATUS

TOKEN_EXAMPLE: dict[str, Any] = {
    "symbol": "AAPLx",
    "name": "Apple Inc. xStock",
    "isin": "",
    "status": "active",
    "multiplier": "1",
    "launch_date": None,
    "issuer": {
        "slug": "backed-assets-je",
        "name": "Backed Assets (JE) Limited",
        "jurisdiction": "JE",
        "lei": "",
        "website": "https://backed.fi",
    },
    "underlying": {
        "ticker": "AAPL",
        "name": "Apple Inc.",
        "isin": "US0378331005",
        "exchange_mic": "XNAS",
        "kind": "stock",
        "sector": "Technology",
    },
    "deployments": [
        {
            "chain": "ethereum",
            "chain_kind": "evm",
            "address": "0x0d0198C4f0146D4670D770b1A9C91B2d9cD2E29B",
            "decimals": 18,
            "role": "canonical",
            "escrow_addresses": [],
            "explorer_url": "https://etherscan.io/token/0x0d0198C4f0146D4670D770b1A9C91B2d9cD2E29B",
        }
    ],
    "url": "https://xstocks.example/api/v1/tokens/AAPLx/",
}

SUPPLY_EXAMPLE: dict[str, Any] = {
    "block_number": 19000000,
    "block_hash": "0x8e38b4dbf6b11fcc3b9dee84fb7986e29ca0a02cecd8977c161ff7333329681e",
    "block_time": "2025-06-02T14:30:11Z",
    "observed_at": "2025-06-02T14:30:15.201Z",
    "supply": "600",
    "circulating": "600",
    "decimals": 18,
    "stale": False,
    "multiplier": "1",
    "multiplier_source": "contract",
    "underlying_supply": "600",
    "paused": False,
    "new_multiplier": None,
    "new_multiplier_at": None,
}

TOKEN_DETAIL_EXAMPLE: dict[str, Any] = {
    **TOKEN_EXAMPLE,
    "deployments": [{**TOKEN_EXAMPLE["deployments"][0], "supply": SUPPLY_EXAMPLE}],
    "venues": [
        {"name": "Jupiter", "kind": "dex", "url": "https://jup.ag", "chain": "solana"},
        {"name": "Kraken", "kind": "cex", "url": "https://www.kraken.com", "chain": None},
    ],
    "documents": [],
    "corporate_actions": [],
    "oracle": ORACLE_STATUS,
    "chain_agreement": {
        "multipliers": [{"chain": "ethereum", "multiplier": "1"}],
        "chains_disagree": False,
        "multiplier_due": [],
        "paused": [],
    },
}
