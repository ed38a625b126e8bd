"""The Solana demo world: registry mints on the dev chain, moved by the simulator."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from apps.chains import solana
from apps.chains.readings import ChainReadError, SupplyTarget
from apps.devchain.solana_demo import seed_registry_mints, simulate_step, start_demo
from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer

REGISTRY = Path(settings.BASE_DIR) / "data" / "registry.json"


def registry_solana_mints() -> dict[str, str]:
    registry = json.loads(REGISTRY.read_text())
    return {
        token["symbol"]: d["address"]
        for token in registry["tokens"]
        for d in token["deployments"]
        if d["chain"] == "solana"
    }


def read(node, addresses, escrows=None):
    escrows = escrows or {}
    targets = [SupplyTarget(address=a, escrow_addresses=escrows.get(a, ())) for a in addresses]
    return solana.read_supplies(rpc_url=node.url, chain_name="solana", targets=targets)


def test_every_registry_mint_is_seeded_at_its_address(chain, node):
    expected = registry_solana_mints()

    seeded = seed_registry_mints(chain, REGISTRY)

    assert {m.symbol: str(m.mint) for m in seeded} == expected
    snapshot = read(node, expected.values())
    # getMultipleAccounts takes 100 keys a call, plus getLatestBlockhash and getBlockTime.
    assert snapshot.round_trips == -(-len(expected) // 100) + 2
    for reading in snapshot.readings:
        assert reading.raw_supply >= 20_000 * 10**8
        assert reading.decimals == 8
        assert str(reading.ui_multiplier) == "1"


def test_seeding_is_deterministic_and_not_repeated(chain, node):
    first = read(node, [str(m.mint) for m in seed_registry_mints(chain, REGISTRY, seed=7)])
    other_chain = SolanaDevChain()
    seed_registry_mints(other_chain, REGISTRY, seed=7)

    assert seed_registry_mints(chain, REGISTRY, seed=7) == []
    with SolanaRpcServer(other_chain) as other_node:
        second = read(other_node, [r.address for r in first.readings])
    assert [r.raw_supply for r in first.readings] == [r.raw_supply for r in second.readings]


def test_spl_token_mints_on_request(chain, node):
    seeded = seed_registry_mints(chain, REGISTRY, token_2022=False)

    reading = read(node, [str(seeded[0].mint)]).readings[0]

    assert reading.ui_multiplier is None
    assert chain.get_account(seeded[0].mint).owner == solana.TOKEN_PROGRAM_ID


def test_escrows_listed_in_the_registry_hold_part_of_the_supply(chain, node, tmp_path):
    mint, escrow = str(Keypair().pubkey()), str(Keypair().pubkey())
    registry = {
        "chains": [{"slug": "solana", "kind": "solana"}],
        "tokens": [
            {
                "symbol": "DEMOx",
                "multiplier": "1.02",
                "deployments": [
                    {
                        "chain": "solana",
                        "address": mint,
                        "decimals": 6,
                        "escrow_addresses": [escrow],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry))

    (seeded,) = seed_registry_mints(chain, path)

    reading = read(node, [mint], {mint: (escrow,)}).readings[0]
    assert seeded.escrows == (Pubkey.from_string(escrow),)
    assert reading.ui_multiplier == Decimal("1.02")
    assert 0 < reading.escrow_balance < reading.raw_supply
    assert reading.escrow_balance % 10**6 == 0


def test_simulator_steps_are_real_mints_and_burns(chain, node):
    seeded = seed_registry_mints(chain, REGISTRY)
    addresses = [str(m.mint) for m in seeded]
    before = read(node, addresses)

    changes = simulate_step(chain, seeded, rng=random.Random(3))

    after = read(node, addresses)
    assert after.block.number > before.block.number
    assert any(delta < 0 for delta in changes.values())
    assert any(delta > 0 for delta in changes.values())
    for old, new, demo_mint in zip(before.readings, after.readings, seeded, strict=True):
        assert new.raw_supply - old.raw_supply == changes.get(demo_mint.symbol, 0)


def test_solana_devnet_command_serves_the_registry_mints():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "manage.py",
        "solana_devnet",
        "--port",
        "0",
        "--simulate-every",
        "0.2",
    ]
    process = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)
        process.stdout.readline()
        aapl = registry_solana_mints()["AAPLx"]
        snapshot = solana.read_supplies(
            rpc_url=url, chain_name="solana", targets=[SupplyTarget(address=aapl)]
        )
        assert snapshot.readings[0].raw_supply > 0
        assert snapshot.readings[0].decimals == 8
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_started_demo_moves_supplies_and_stops_cleanly():
    demo = start_demo(REGISTRY, port=0, simulate_every=0.05, seed=1)
    try:
        address = str(demo.mints[0].mint)
        first = read(demo.server, [address]).readings[0].raw_supply
        deadline = time.monotonic() + 10
        while read(demo.server, [address]).readings[0].raw_supply == first:
            assert time.monotonic() < deadline, "the simulator never moved the supply"
            time.sleep(0.05)
    finally:
        demo.stop()

    assert not demo.simulator.is_alive()
    with pytest.raises(ChainReadError) as caught:
        read(demo.server, [address])
    assert caught.value.transient is True
