"""Illustrative answers for the API documentation: AAPLx and its underlying are real
catalogue facts; the blocks, hashes, statements and figures are simulated demo values."""

from __future__ import annotations

from typing import Any

BACKING_SUMMARY: dict[str, Any] = {
    "symbol": "AAPLx",
    "isin": "US0378331005",
    "status": "backed",
    "ratio": "1.000400160064025610",
    "circulating_supply": "980",
    "multiplier": "1.02",
    "shares_required": "999.6",
    "shares_held": "1000",
    "as_of": "2025-06-02T09:00:00Z",
    "computed_at": "2025-06-02T14:30:16.118Z",
    "checked_at": "2025-06-02T14:45:16.052Z",
    "snapshot_id": 1842,
}

BACKING_LIST: dict[str, Any] = {
    "count": 2,
    "results": [
        BACKING_SUMMARY,
        {
            "symbol": "TSLAx",
            "isin": "US88160R1014",
            "status": None,
            "ratio": None,
            "circulating_supply": None,
            "multiplier": "1",
            "shares_required": None,
            "shares_held": None,
            "as_of": None,
            "computed_at": None,
            "checked_at": None,
            "snapshot_id": None,
        },
    ],
}

BACKING_DETAIL: dict[str, Any] = {
    **BACKING_SUMMARY,
    "supply_by_chain": [
        {
            "deployment_id": 1,
            "chain": "ethereum",
            "chain_name": "Ethereum",
            "chain_kind": "evm",
            "address": "0x0d0198C4f0146D4670D770b1A9C91B2d9cD2E29B",
            "role": "canonical",
            "observation_id": 90211,
            "block_number": 19000000,
            "block_hash": "0x8e38b4dbf6b11fcc3b9dee84fb7986e29ca0a02cecd8977c161ff7333329681e",
            "block_time": "2025-06-02T14:30:11Z",
            "observed_at": "2025-06-02T14:30:15.201Z",
            "decimals": 18,
            "raw_supply": "980000000000000000000",
            "escrow_balance": "0",
            "supply": "980",
            "escrow": "0",
            "circulating": "980",
            "multiplier": "1",
            "multiplier_source": "contract",
            "underlying": "980",
            "paused": False,
            "new_multiplier": None,
            "new_multiplier_at": None,
            "stale": False,
        }
    ],
    "holdings_by_custodian": [
        {
            "custodian": "incore",
            "name": "InCore Bank AG",
            "quantity": "1000",
            "statements": [
                {
                    "statement_pk": 311,
                    "account": "INC-001",
                    "statement_id": "STMT-2025-06-02",
                    "statement_date": "2025-06-02T09:00:00Z",
                    "sha256": "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
                    "quantity": "1000",
                    "stale": False,
                }
            ],
        }
    ],
    "missing": [],
    "stale": [],
    "not_counted": [],
    "tolerance_bps": 0,
    "consistency": {
        "multipliers": [{"chain": "ethereum", "multiplier": "1"}],
        "chains_disagree": False,
        "multiplier_due": [],
        "paused": [],
    },
    "attestations": [],
}

HISTORY: dict[str, Any] = {
    "symbol": "AAPLx",
    "history": [
        {
            "computed_at": "2025-06-01T14:30:16Z",
            "ratio": "1.000400160064025610",
            "status": "backed",
            "shares_required": "999.6",
            "shares_held": "1000",
            "multiplier": "1.02",
        }
    ],
}
