"""Benchmark: read wallet balances, and render /portfolio/, at several sizes.

1. EVM (local anvil, 61 tokens like the catalogue): balanceOf of every token for 1, 20 and
   200 wallets through apps.chains.evm.read_balances (JSON-RPC batches at one pinned block),
   and for 20 wallets the naive path (one request per balance: 3 + tokens x (wallets + 1)).
2. Solana (LiteSVM behind its JSON-RPC front, 61 Token-2022 mints): getTokenAccountsByOwner
   (jsonParsed) for 1, 20 and 100 wallets holding 5 mints each, read_token_balances.
3. GET /portfolio/ and its CSV for 1 and 61 tokens in 2 wallets (stored readings): wall time
   and SQL queries (the same at both sizes).
Target: EVM round trips constant in wallets and tokens (2 up to CALLS_PER_BATCH calls);
Solana one round trip per wallet; page queries that do not grow.

Runs on a throw-away test database (SQLite in memory, or test_<name> with DATABASE_URL):
    .venv/bin/python bench/portfolio.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from eth_account import Account  # noqa: E402
from eth_utils import keccak, to_checksum_address  # noqa: E402

from apps.chains import evm, solana  # noqa: E402
from apps.devchain import evm_world  # noqa: E402
from apps.devchain.anvil import AnvilNode  # noqa: E402

TOKENS = 61  # the shipped catalogue
EVM_WALLETS = (1, 20, 200)
SOLANA_WALLETS = (1, 20, 100)
HELD_PER_WALLET = 5
PAGE_TOKENS = (1, 61)
RUNS = 3  # best of / median of


def place_tokens(w3, n: int) -> list[str]:
    addresses = []
    for i in range(n):
        address = to_checksum_address(keccak(text=f"bench-portfolio:{i}")[:20])
        evm_world.place_token(w3, address=address, name=f"Bench {i}", symbol=f"B{i}x")
        addresses.append(address)
    evm_world.mine(w3)
    return addresses


def naive_evm(url: str, tokens: list[str], owners: list[str]) -> tuple[int, float]:
    provider = evm._CountingProvider(url, exception_retry_configuration=None)
    w3 = evm.Web3(provider, middleware=[])
    start = time.perf_counter()
    assert w3.eth.chain_id == 1
    block = w3.eth.block_number
    w3.eth.get_block(block)
    for token in tokens:
        w3.eth.call({"to": token, "data": evm.DECIMALS}, block)
    for owner in owners:
        data = evm.BALANCE_OF + bytes(12) + bytes.fromhex(owner[2:])
        for token in tokens:
            w3.eth.call({"to": token, "data": data}, block)
    return provider.round_trips, time.perf_counter() - start


def bench_evm() -> None:
    with AnvilNode(chain_id=1) as node:
        w3 = evm_world.connect(node.url)
        tokens = place_tokens(w3, TOKENS)
        print(f"EVM: anvil {node.url}, {TOKENS} tokens; best of {RUNS}")
        print(f"{'wallets':>8} {'path':>8} {'calls':>7} {'round trips':>12} {'wall s':>8}")
        for n in EVM_WALLETS:
            owners = [Account.create().address for _ in range(n)]
            for i, owner in enumerate(owners[:5]):
                evm_world.mint(w3, tokens[i], owner, Decimal(i + 1))
            runs = []
            for _ in range(RUNS):
                start = time.perf_counter()
                snap = evm.read_balances(
                    rpc_url=node.url,
                    chain_name="bench",
                    expected_chain_id=1,
                    tokens=tokens,
                    owners=owners,
                )
                runs.append((snap.round_trips, time.perf_counter() - start))
            calls = TOKENS * (n + 1)
            print(
                f"{n:>8} {'batched':>8} {calls:>7} {runs[0][0]:>12} {min(r[1] for r in runs):>8.3f}"
            )
            if n == 20:
                trips, wall = min(
                    (naive_evm(node.url, tokens, owners) for _ in range(RUNS)), key=lambda r: r[1]
                )
                print(f"{n:>8} {'naive':>8} {calls:>7} {trips:>12} {wall:>8.3f}")
        print()


def bench_solana() -> None:
    from solders.keypair import Keypair

    from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer

    chain = SolanaDevChain()
    mints = [
        chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal(1))
        for _ in range(TOKENS)
    ]
    with SolanaRpcServer(chain) as server:
        print(
            f"Solana: LiteSVM front {server.url}, {TOKENS} Token-2022 mints, "
            f"{HELD_PER_WALLET} held per wallet; best of {RUNS}"
        )
        print(f"{'wallets':>8} {'round trips':>12} {'wall s':>8}")
        owners: list[str] = []
        for n in SOLANA_WALLETS:
            while len(owners) < n:
                owner = Keypair().pubkey()
                for k in range(HELD_PER_WALLET):
                    mint = mints[(len(owners) + k) % TOKENS]
                    account = chain.create_token_account(mint=mint, owner=owner)
                    chain.mint_to(mint=mint, account=account, amount=10**8)
                owners.append(str(owner))
            runs = []
            for _ in range(RUNS):
                start = time.perf_counter()
                snap = solana.read_token_balances(
                    rpc_url=server.url,
                    chain_name="bench",
                    owners=owners[:n],
                    mints=[str(m) for m in mints],
                )
                assert all(len(w.balances) == HELD_PER_WALLET for w in snap.wallets)
                runs.append((snap.round_trips, time.perf_counter() - start))
            print(f"{n:>8} {runs[0][0]:>12} {min(r[1] for r in runs):>8.3f}")
        print()


def measure(fn) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
    return elapsed, len(ctx.captured_queries)


def bench_page() -> None:
    from tests.factories import KycCaseFactory
    from tests.portfolio.conftest import approve, stored_portfolio

    client = Client()
    print(f"Page: database {connection.vendor}; median of {RUNS}, 2 wallets per kind")
    print(f"{'tokens':>6}  {'what':<28} {'wall ms':>9} {'queries':>8}")
    for n in PAGE_TOKENS:
        call_command("flush", interactive=False, verbosity=0)
        user = approve(KycCaseFactory()).user
        stored_portfolio(user, tokens=n, wallets=2)
        client.force_login(user)
        for url in ("/portfolio/", "/portfolio/holdings.csv"):
            client.get(url)  # warm-up
            results = [measure(lambda url=url: client.get(url)) for _ in range(RUNS)]
            t = statistics.median(r[0] for r in results)
            print(f"{n:>6}  {'GET ' + url:<28} {t * 1000:>9.1f} {results[-1][1]:>8}")


if __name__ == "__main__":
    bench_evm()
    bench_solana()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        bench_page()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
