"""Solana supply reads: one getTokenSupply per mint against the batched client.

Runs both paths against the LiteSVM dev chain (JSON-RPC over loopback) for 64 and 512
Token-2022 mints and prints round trips, wall time and the ratios. Usage:

    .venv/bin/python bench/solana_supply.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")

import django

django.setup()

import logging  # noqa: E402
from decimal import Decimal  # noqa: E402

from solana.rpc.async_api import AsyncClient  # noqa: E402
from solders.keypair import Keypair  # noqa: E402

from apps.chains import solana  # noqa: E402
from apps.chains.readings import SupplyTarget  # noqa: E402
from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer  # noqa: E402

SIZES = (64, 512)
RUNS = 3  # best of


async def naive(url: str, mints: list) -> tuple[int, list[int]]:
    """One call per mint: what a client without batching does."""
    async with AsyncClient(url, http2=False) as client:
        calls = 1
        await client.get_slot()
        supplies = []
        for mint in mints:
            supplies.append(int((await client.get_token_supply(mint)).value.amount))
            calls += 1
    return calls, supplies


def main() -> None:
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    print(f"{'mints':>6} {'path':>8} {'round trips':>12} {'best of 3 (s)':>14}")
    for size in SIZES:
        chain = SolanaDevChain()
        mints = [
            chain.put_mint(
                Keypair().pubkey(),
                decimals=8,
                supply=10**12 + i,
                token_2022=True,
                scaled_ui_multiplier=Decimal("1"),
            )
            for i in range(size)
        ]
        targets = [SupplyTarget(address=str(m)) for m in mints]
        with SolanaRpcServer(chain) as server:
            naive_time, batched_time = float("inf"), float("inf")
            for _ in range(RUNS):
                started = time.perf_counter()
                naive_calls, supplies = asyncio.run(naive(server.url, mints))
                naive_time = min(naive_time, time.perf_counter() - started)
                started = time.perf_counter()
                snapshot = solana.read_supplies(
                    rpc_url=server.url, chain_name="solana", targets=targets
                )
                batched_time = min(batched_time, time.perf_counter() - started)
            assert supplies == [r.raw_supply for r in snapshot.readings]
        print(f"{size:>6} {'naive':>8} {naive_calls:>12} {naive_time:>14.3f}")
        print(f"{size:>6} {'batched':>8} {snapshot.round_trips:>12} {batched_time:>14.3f}")
        print(
            f"{size:>6} {'ratio':>8} {naive_calls / snapshot.round_trips:>11.1f}x"
            f" {naive_time / batched_time:>13.1f}x"
        )


if __name__ == "__main__":
    main()
