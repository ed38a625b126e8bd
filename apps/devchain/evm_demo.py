"""The EVM half of the demo world: every registry deployment and oracle feed gets a real
contract on the local anvil chains, with plausible figures that a simulator moves.

Figures are deterministic per symbol (a seeded random generator), bridged supply is
consistent (what is minted on a bridge destination is locked in the source's escrow),
and seeding is idempotent: a contract already there is left as it is.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from web3 import Web3

from apps.catalog.models import Chain, Deployment, OracleFeed
from apps.markets.selectors import latest_security_prices

from . import evm_world

logger = logging.getLogger(__name__)

ORACLE_DECIMALS = 8


@dataclass
class EvmDemo:
    """The local EVM chains (slug -> Web3) and what the simulator may touch."""

    nodes: dict[str, Web3]
    canonical: list[Deployment] = field(default_factory=list)  # with their chain loaded
    bridges: list[tuple[Deployment, Deployment]] = field(default_factory=list)  # source, dest
    feeds: list[OracleFeed] = field(default_factory=list)
    prices: dict[str, Decimal] = field(default_factory=dict)  # feed address -> last answer


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - demo figures


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 1000, high * 1000)) / 1000


def holder(w3: Web3) -> str:
    """anvil's second development account holds the circulating demo supply."""
    return w3.eth.accounts[1]


def seed(nodes: dict[str, Web3]) -> EvmDemo:
    """Place a token at every EVM deployment and an oracle at every feed of these chains."""
    demo = EvmDemo(nodes=nodes)
    deployments = list(
        Deployment.objects.filter(chain__slug__in=nodes, chain__kind=Chain.Kind.EVM)
        .select_related("token", "chain")
        .order_by("token__symbol", "chain__slug")
    )
    # Canonical deployments without a contract yet are placed and minted in batches per
    # chain (the whole catalogue in seconds); bridged ones one by one below.
    fresh_by_chain: dict[str, list[Deployment]] = {}
    for slug, w3 in nodes.items():
        here = [d for d in deployments if d.chain.slug == slug]
        missing = set(evm_world.missing_code(w3, [d.address for d in here])) if here else set()
        fresh_by_chain[slug] = [d for d in here if d.address in missing]
        # Tokens an older demo world placed get the current contract (the multiplier).
        kept = [d for d in here if d.address not in missing]
        outdated = set(evm_world.outdated_code(w3, [d.address for d in kept])) if kept else set()
        for d in kept:
            if d.address in outdated:
                evm_world.upgrade_token(w3, address=d.address, multiplier=d.token.multiplier)
        canonical = [d for d in fresh_by_chain[slug] if d.role == Deployment.Role.CANONICAL]
        # The contracts start at the catalogue's multiplier; corporate actions
        # (apps.devchain.corporate_actions) change it on the chain from then on.
        evm_world.place_tokens(
            w3,
            [(d.address, d.token.name, d.token.symbol) for d in canonical],
            mint_to=holder(w3),
            amounts=[_amount(_rng(d.token.symbol), 1_000, 90_000) for d in canonical],
            multipliers=[d.token.multiplier for d in canonical],
        )
    placed = {d.pk for group in fresh_by_chain.values() for d in group}
    by_token: dict[int, list[Deployment]] = {}
    for d in deployments:
        by_token.setdefault(d.token_id, []).append(d)
    for group in by_token.values():
        sources = [d for d in group if d.role == Deployment.Role.CANONICAL]
        # Canonical first: a bridge mint needs the source token in place.
        for d in sorted(group, key=lambda d: d.role != Deployment.Role.CANONICAL):
            w3 = nodes[d.chain.slug]
            fresh = d.pk in placed
            if d.role == Deployment.Role.CANONICAL:
                demo.canonical.append(d)  # placed and minted above
                continue
            if fresh:
                evm_world.place_token(
                    w3,
                    address=d.address,
                    name=d.token.name,
                    symbol=d.token.symbol,
                    multiplier=d.token.multiplier,
                )
            if sources and sources[0].escrow_addresses:
                source = sources[0]
                demo.bridges.append((source, d))
                if fresh:
                    bridged = _amount(_rng(d.token.symbol, d.chain.slug), 100, 5_000)
                    _bridge(demo, source, d, bridged)
    feeds = list(OracleFeed.objects.filter(chain__slug__in=nodes).select_related("token", "chain"))
    market = latest_security_prices(security_ids=[f.token.security_id for f in feeds])
    for feed in feeds:
        w3 = nodes[feed.chain.slug]
        demo.feeds.append(feed)
        if not evm_world.has_code(w3, feed.address):
            evm_world.place_oracle(
                w3, address=feed.address, decimals=ORACLE_DECIMALS, description=feed.description
            )
            if feed.token.security_id in market:
                price = _fair(market[feed.token.security_id], feed.token.multiplier)
            else:
                price = _amount(_rng(feed.token.symbol, "price"), 20, 900)
            evm_world.set_answer(w3, feed.address, price, ORACLE_DECIMALS)
            demo.prices[feed.address] = price
        else:
            answer = evm_world.oracle(w3, feed.address).functions.latestRoundData().call()[1]
            demo.prices[feed.address] = Decimal(answer).scaleb(-ORACLE_DECIMALS)
    logger.info(
        "EVM demo: %d tokens, %d bridges, %d oracle feeds on %s",
        len(demo.canonical),
        len(demo.bridges),
        len(demo.feeds),
        ", ".join(nodes),
    )
    return demo


def _fair(underlying_price: Decimal, multiplier: Decimal) -> Decimal:
    return (underlying_price * multiplier).quantize(Decimal("0.00000001"))


def _bridge(demo: EvmDemo, source: Deployment, dest: Deployment, amount: Decimal) -> None:
    """Lock-and-mint: the amount goes to the source's escrow and is minted on the destination."""
    src_w3, dst_w3 = demo.nodes[source.chain.slug], demo.nodes[dest.chain.slug]
    evm_world.mint(src_w3, source.address, source.escrow_addresses[0], amount)
    evm_world.mint(dst_w3, dest.address, holder(dst_w3), amount)


def step(demo: EvmDemo, rng: random.Random) -> str:
    """One simulated event: a mint, a burn, a bridge transfer or price moves."""
    roll = rng.random()
    if demo.bridges and roll < 0.15:
        source, dest = rng.choice(demo.bridges)
        amount = _amount(rng, 1, 50)
        _bridge(demo, source, dest, amount)
        return f"bridged {amount} {source.token.symbol} {source.chain.slug} -> {dest.chain.slug}"
    if demo.feeds and roll < 0.45:
        moved = []
        feeds = rng.sample(demo.feeds, min(5, len(demo.feeds)))
        market = latest_security_prices(security_ids=[f.token.security_id for f in feeds])
        for feed in feeds:
            if feed.token.security_id in market:
                # Like a real feed: the oracle reports the market's fair value of the token.
                price = _fair(market[feed.token.security_id], feed.token.multiplier)
            else:
                last = demo.prices.get(feed.address, Decimal(100))
                change = Decimal(rng.randint(-50, 50)) / 10_000  # at most 0.5 %
                price = (last * (1 + change)).quantize(Decimal("0.00000001"))
            evm_world.set_answer(demo.nodes[feed.chain.slug], feed.address, price, ORACLE_DECIMALS)
            demo.prices[feed.address] = price
            moved.append(f"{feed.token.symbol} {price}")
        return "prices " + ", ".join(moved)
    if not demo.canonical:
        return "nothing to simulate"
    d = rng.choice(demo.canonical)
    w3 = demo.nodes[d.chain.slug]
    amount = _amount(rng, 1, 250)
    balance = evm_world.token(w3, d.address).functions.balanceOf(holder(w3)).call()
    if roll < 0.75 or balance < evm_world.to_raw(amount):
        evm_world.mint(w3, d.address, holder(w3), amount)
        return f"minted {amount} {d.token.symbol} on {d.chain.slug}"
    evm_world.burn(w3, d.address, holder(w3), amount)
    return f"burned {amount} {d.token.symbol} on {d.chain.slug}"


def run_simulator(
    demo: EvmDemo, *, interval: float, stop: threading.Event, rng: random.Random
) -> None:
    """Simulate until `stop` is set; every tick also mines a block on every chain."""
    while not stop.wait(interval):
        try:
            logger.info("EVM demo: %s", step(demo, rng))
            for w3 in demo.nodes.values():
                evm_world.mine(w3)
        except Exception:  # the demo keeps going when one event fails
            logger.exception("EVM demo step failed")
