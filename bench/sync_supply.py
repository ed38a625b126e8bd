"""Benchmark: read the supply of 64 and 512 deployments on a local anvil.

Naive path: one JSON-RPC request per value (chain id, block number, block header, then
totalSupply() and decimals() of every deployment: 3 + 2N HTTP requests).
Batched path: apps.chains.evm.read_supplies
(JSON-RPC batches at one pinned block). Prints round trips, wall time and the ratios.
Target: 512 deployments in under 2 s and at least 20x fewer round trips.

    .venv/bin/python bench/sync_supply.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")

import django

django.setup()

from eth_utils import keccak, to_checksum_address  # noqa: E402

from apps.chains import evm  # noqa: E402
from apps.chains.readings import SupplyTarget  # noqa: E402
from apps.devchain import evm_world  # noqa: E402
from apps.devchain.anvil import AnvilNode  # noqa: E402

SIZES = (64, 512)
REPEATS = 3  # best of


def place_tokens(w3, n: int, offset: int) -> list[str]:
    """n XStockTokens at fresh addresses, each with its own total supply (slot 1)."""
    addresses = []
    for i in range(offset, offset + n):
        address = to_checksum_address(keccak(text=f"bench:{i}")[:20])
        evm_world.place_token(w3, address=address, name=f"Bench {i}", symbol=f"B{i}x")
        w3.provider.make_request(
            "anvil_setStorageAt", [address, evm_world._word(1), evm_world._word(10**18 * (i + 1))]
        )
        addresses.append(address)
    evm_world.mine(w3)
    return addresses


def naive(url: str, addresses: list[str]) -> tuple[int, float, list[int]]:
    provider = evm._CountingProvider(url, exception_retry_configuration=None)
    # Same provider settings as the batched path (no middleware: one HTTP request per call).
    w3 = evm.Web3(provider, middleware=[])
    start = time.perf_counter()
    assert w3.eth.chain_id == 1
    block = w3.eth.block_number
    w3.eth.get_block(block)
    supplies = []
    for address in addresses:
        supply = w3.eth.call({"to": address, "data": evm.TOTAL_SUPPLY}, block)
        w3.eth.call({"to": address, "data": evm.DECIMALS}, block)
        supplies.append(int.from_bytes(supply, "big"))
    return provider.round_trips, time.perf_counter() - start, supplies


def batched(url: str, addresses: list[str]) -> tuple[int, float, list[int]]:
    start = time.perf_counter()
    snapshot = evm.read_supplies(
        rpc_url=url,
        chain_name="bench",
        expected_chain_id=1,
        targets=[SupplyTarget(a) for a in addresses],
    )
    elapsed = time.perf_counter() - start
    return snapshot.round_trips, elapsed, [r.raw_supply for r in snapshot.readings]


def main() -> int:
    ok = True
    with AnvilNode(chain_id=1) as node:
        w3 = evm_world.connect(node.url)
        print(f"anvil {node.url}; best of {REPEATS} runs\n")
        print(f"{'deployments':>11} {'path':>8} {'round trips':>12} {'wall s':>8}")
        offset = 0
        for n in SIZES:
            addresses = place_tokens(w3, n, offset)
            offset += n
            best = {}
            for name, fn in (("naive", naive), ("batched", batched)):
                runs = [fn(node.url, addresses) for _ in range(REPEATS)]
                trips = runs[0][0]
                wall = min(r[1] for r in runs)
                assert all(r[2] == runs[0][2] for r in runs)
                best[name] = (trips, wall, runs[0][2])
                print(f"{n:>11} {name:>8} {trips:>12} {wall:>8.3f}")
            assert best["naive"][2] == best["batched"][2], "paths disagree"
            trip_ratio = best["naive"][0] / best["batched"][0]
            time_ratio = best["naive"][1] / best["batched"][1]
            print(
                f"{n:>11} {'ratio':>8} {trip_ratio:>11.0f}x {time_ratio:>7.1f}x (naive / batched)\n"
            )
            if n == 512:
                ok = best["batched"][1] < 2.0 and trip_ratio >= 20
        print("target (512 in < 2 s, >= 20x fewer round trips):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
