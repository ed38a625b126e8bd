"""The Solana half of the demo world: the registry's mints on a local chain, moving over time.

    demo = start_demo(settings.REGISTRY_PATH, port=8899, simulate_every=5.0)
    demo.url        # http://127.0.0.1:8899, the registry's solana rpc_url
    demo.mints      # [DemoMint(symbol, mint, decimals, treasury, escrows), ...]
    demo.stop()     # simulator and server stopped, port closed

Solana mint addresses are public keys of keypairs nobody here holds, so each registry mint
is written at its address with LiteSVM's set_account (owner: the token program, mint
authority: the dev chain's authority). From then on every supply change is a real MintTo or
Burn transaction executed by the token program.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import struct
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer

logger = logging.getLogger(__name__)

# Initial circulating supply of each demo token, in whole tokens (drawn per symbol).
INITIAL_SUPPLY_RANGE = (20_000, 400_000)
# Share of the initial supply sitting in each escrow the registry names.
ESCROW_SHARE = Decimal("0.05")
# Largest change one simulator step makes to one token, as a share of its treasury balance.
STEP_MAX_SHARE = Decimal("0.002")
TOKEN_ACCOUNT_AMOUNT_OFFSET = 64


@dataclass(frozen=True)
class DemoMint:
    """A registry mint on the dev chain and the treasury account the simulator mints into."""

    symbol: str
    mint: Pubkey
    decimals: int
    treasury: Pubkey
    escrows: tuple[Pubkey, ...] = ()


def seed_registry_mints(
    chain: SolanaDevChain,
    registry_path: str | Path,
    *,
    token_2022: bool = True,
    seed: int = 0,
) -> list[DemoMint]:
    """Create every Solana deployment of the registry at its own mint address, with supply.

    Each mint is a Token-2022 mint with the scaled-UI-amount extension set to the token's
    registry multiplier (as xStocks mints are), or a plain SPL Token mint when
    `token_2022=False`. An initial supply (deterministic per symbol and `seed`) is minted to a
    treasury account, and to any escrow addresses the deployment lists. Mints already on the
    chain are left as they are and not returned. Raises ValueError on a registry it cannot read.
    """
    registry = json.loads(Path(registry_path).read_text(encoding="utf-8"))
    solana_chains = {c["slug"] for c in registry.get("chains", []) if c.get("kind") == "solana"}
    seeded = []
    for token in registry.get("tokens", []):
        for deployment in token.get("deployments", []):
            if deployment.get("chain") not in solana_chains:
                continue
            seeded_mint = _seed_one(
                chain,
                symbol=token["symbol"],
                multiplier=Decimal(str(token.get("multiplier", "1"))),
                deployment=deployment,
                token_2022=token_2022,
                seed=seed,
            )
            if seeded_mint is not None:
                seeded.append(seeded_mint)
    logger.info("solana dev chain: %d registry mints seeded at slot %d", len(seeded), chain.slot)
    return seeded


def _seed_one(
    chain: SolanaDevChain,
    *,
    symbol: str,
    multiplier: Decimal,
    deployment: dict,
    token_2022: bool,
    seed: int,
) -> DemoMint | None:
    address = Pubkey.from_string(deployment["address"])
    decimals = int(deployment["decimals"])
    if chain.svm.get_account(address) is not None:
        return None
    chain.put_mint(
        address,
        decimals=decimals,
        token_2022=token_2022,
        scaled_ui_multiplier=multiplier if token_2022 else None,
        # Token-2022 mints are pausable, so the demo's pause and resume can be shown.
        pausable=token_2022,
    )
    treasury = chain.create_token_account(mint=address)
    rng = _rng(symbol, seed)
    whole = rng.randint(*INITIAL_SUPPLY_RANGE)
    unit = 10**decimals
    chain.mint_to(mint=address, account=treasury, amount=whole * unit + rng.randrange(unit))
    escrows = []
    for escrow in deployment.get("escrow_addresses", []):
        key = chain.put_token_account(escrow, mint=address)
        chain.mint_to(mint=address, account=key, amount=int(whole * ESCROW_SHARE) * unit)
        escrows.append(key)
    return DemoMint(
        symbol=symbol, mint=address, decimals=decimals, treasury=treasury, escrows=tuple(escrows)
    )


def _rng(symbol: str, seed: int) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{symbol}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - demo figures


def treasury_balance(chain: SolanaDevChain, demo_mint: DemoMint) -> int:
    """Smallest-unit balance of the demo mint's treasury account."""
    data = bytes(chain.get_account(demo_mint.treasury).data)
    return struct.unpack_from("<Q", data, TOKEN_ACCOUNT_AMOUNT_OFFSET)[0]


def simulate_step(
    chain: SolanaDevChain,
    mints: list[DemoMint],
    *,
    rng: random.Random | None = None,
) -> dict[str, int]:
    """Mint or burn a little of every demo mint (real transactions); return the changes.

    Each token moves by up to STEP_MAX_SHARE of its treasury balance, minting somewhat more
    often than burning, so supplies drift up while someone watches. Returns
    {symbol: signed change in the smallest unit}.
    """
    rng = rng or random.Random()  # noqa: S311 - demo figures
    changes = {}
    for demo_mint in mints:
        balance = treasury_balance(chain, demo_mint)
        limit = int(balance * STEP_MAX_SHARE)
        if limit < 1:
            continue
        amount = rng.randint(1, limit)
        if rng.random() < 0.6:
            chain.mint_to(mint=demo_mint.mint, account=demo_mint.treasury, amount=amount)
            changes[demo_mint.symbol] = amount
        else:
            chain.burn(mint=demo_mint.mint, account=demo_mint.treasury, amount=amount)
            changes[demo_mint.symbol] = -amount
    return changes


def run_simulator(
    chain: SolanaDevChain,
    mints: list[DemoMint],
    *,
    interval: float,
    stop: threading.Event,
    rng: random.Random | None = None,
) -> None:
    """Call simulate_step every `interval` seconds until `stop` is set (run it on a thread)."""
    while not stop.wait(interval):
        try:
            simulate_step(chain, mints, rng=rng)
        except Exception:
            logger.exception("solana dev chain: simulator step failed")


@dataclass
class SolanaDemo:
    """A running Solana demo chain: its JSON-RPC server and, if asked, its simulator thread."""

    chain: SolanaDevChain
    server: SolanaRpcServer
    mints: list[DemoMint]
    stopping: threading.Event
    simulator: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        """Stop the simulator, then the server (its port is free when this returns)."""
        self.stopping.set()
        if self.simulator is not None:
            self.simulator.join()
        self.server.stop()


def start_demo(
    registry_path: str | Path | None,
    *,
    port: int = 8899,
    simulate_every: float = 5.0,
    token_2022: bool = True,
    seed: int = 0,
    authority: Keypair | None = None,
) -> SolanaDemo:
    """Seed a new dev chain with the registry's mints and serve it on 127.0.0.1:`port`.

    `registry_path=None` starts an empty chain. `port=0` picks a free port (see `.url`);
    `simulate_every=0` leaves the supplies still. `authority` (default: a new keypair) is the
    chain's fee payer and the authority of every mint and of its extensions.
    Both the server and the simulator run on daemon threads; call `.stop()` to end them.
    """
    chain = SolanaDevChain(authority=authority)
    mints = []
    if registry_path is not None:
        mints = seed_registry_mints(chain, registry_path, token_2022=token_2022, seed=seed)
    server = SolanaRpcServer(chain, port=port).start()
    demo = SolanaDemo(chain=chain, server=server, mints=mints, stopping=threading.Event())
    if simulate_every > 0 and mints:
        demo.simulator = threading.Thread(
            target=run_simulator,
            args=(chain, mints),
            kwargs={
                "interval": simulate_every,
                "stop": demo.stopping,
                "rng": random.Random(seed),  # noqa: S311 - demo figures
            },
            name="solana-demo-simulator",
            daemon=True,
        )
        demo.simulator.start()
    return demo


def give_holdings(
    chain: SolanaDevChain,
    registry_path: str | Path,
    *,
    owner: str,
    amounts: dict[str, Decimal],
) -> list[tuple[str, int]]:
    """Mint `amounts` (whole tokens by symbol) of the registry's Solana mints into a new token
    account of `owner` each: the demo investor's holdings. Returns (symbol, raw amount)."""
    registry = json.loads(Path(registry_path).read_text(encoding="utf-8"))
    solana_chains = {c["slug"] for c in registry.get("chains", []) if c.get("kind") == "solana"}
    holder = Pubkey.from_string(owner)
    given = []
    for token in registry.get("tokens", []):
        amount = amounts.get(token["symbol"])
        if not amount:
            continue
        for deployment in token.get("deployments", []):
            if deployment.get("chain") not in solana_chains:
                continue
            mint = Pubkey.from_string(deployment["address"])
            raw = int(amount.scaleb(int(deployment["decimals"])))
            account = chain.create_token_account(mint=mint, owner=holder)
            chain.mint_to(mint=mint, account=account, amount=raw)
            given.append((token["symbol"], raw))
    return given


def load_or_create_authority(path: Path) -> Keypair:
    """The dev chain's authority keypair kept in a file (created once, owner-only), so the
    demo world's corporate-action simulator can sign Token-2022 updates for the chain that
    another process serves. A local development key: it controls nothing elsewhere."""
    if path.exists():
        return Keypair.from_bytes(bytes(json.loads(path.read_text(encoding="utf-8"))))
    keypair = Keypair()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(list(bytes(keypair))), encoding="utf-8")
    return keypair
