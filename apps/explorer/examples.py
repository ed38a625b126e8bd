"""Illustrative answers shown in the API documentation (Swagger UI).

Catalogue facts are the shipped registry's (AAPLx at its real addresses, Apple Inc., its
ISINs, the issuer, the sources); every figure is simulated.
"""

from __future__ import annotations

from typing import Any

from apps.markets.examples import ORACLE_STATUS

TOKEN_EXAMPLE: dict[str, Any] = {
    "symbol": "AAPLx",
    "name": "Apple xStock",
    "isin": "CH1436219187",
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
        "isin_sources": [
            "JerBouma/FinanceDatabase:database/equities/MIL.csv",
            "alvarobartt/investpy:investpy/resources/stocks.csv",
        ],
        "exchange_mic": "XNAS",
        "kind": "stock",
        "sector": "Information Technology",
    },
    "deployments": [
        {
            "chain": "ethereum",
            "chain_kind": "evm",
            "address": "0x9d275685dC284C8eB1C79f6ABA7a63Dc75ec890a",
            "decimals": 18,
            "role": "canonical",
            "escrow_addresses": [],
            "explorer_url": "https://etherscan.io/token/0x9d275685dC284C8eB1C79f6ABA7a63Dc75ec890a",
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
    "deployments": [
        {**TOKEN_EXAMPLE["deployments"][0], "supply": SUPPLY_EXAMPLE, "read_status": "read"},
        {
            "chain": "ink",
            "chain_kind": "evm",
            "address": "0x9d275685dC284C8eB1C79f6ABA7a63Dc75ec890a",
            "decimals": 18,
            "role": "canonical",
            "escrow_addresses": [],
            "explorer_url": (
                "https://explorer.inkonchain.com/token/0x9d275685dC284C8eB1C79f6ABA7a63Dc75ec890a"
            ),
            "supply": None,
            "read_status": "no_node",
        },
    ],
    "factsheet_url": "https://documents.backed.fi/backed-assets-factsheet-AAPLx.pdf",
    "sources": [
        {
            "id": "official_cowswap",
            "repo": "backed-fi/cowswap-xstocks-tokenlist",
            "path": "tokenlist.json",
            "commit": "b400a026fd36445c4c89da16a3eb70f4c31aef2a",
            "supports": ["evm_address"],
            "note": "",
        }
    ],
    "venues": [],
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
