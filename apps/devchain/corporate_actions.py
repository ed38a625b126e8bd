"""The demo world's corporate-action simulator (simulated, like every demo figure).

Every `every`, one token (in turn) gets a 4-for-1 split on every chain it is deployed on:
the issuer's EVM contract gets `updateMultiplierValue(4 x current, current, T)` and the
Token-2022 mint a ScaledUiAmount `UpdateMultiplier(4 x current, T)`, with T `lead` after
the announcement on every chain except one, which gets T + `lag` (a chain a few minutes
behind the others). The chains apply the new multiplier themselves at their T, so the site
shows, from its own readings: "new multiplier due" from the announcement, "chains
disagree" while the lagging chain has not applied it, and both clear once it has.

The Solana chain is served by another process (`manage.py solana_devnet`); this module
signs its updates with the chain's authority keypair (a local development key kept in
`var/devchain/solana-authority.json`) and sends them through its JSON-RPC front, as any
client would.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from web3 import Web3

from apps.catalog.models import Chain, Deployment

from . import evm_world
from .solana_rpc import scaled_ui_config, update_multiplier_instruction

logger = logging.getLogger(__name__)

SPLIT_RATIO = Decimal(4)  # a 4-for-1 split: every holder's balance x 4
RPC_TIMEOUT = 10  # seconds per JSON-RPC call to the local Solana chain


@dataclass(frozen=True)
class Leg:
    """One deployment of a token that the simulator changes."""

    kind: str  # Chain.Kind
    chain: str  # slug
    address: str


@dataclass
class Split:
    """A split announced on every chain: when each chain applies it."""

    symbol: str
    ratio: Decimal
    announced_at: dt.datetime
    effective: dict[str, dt.datetime]  # chain slug -> activation time
    before: dict[str, Decimal]  # chain slug -> multiplier before
    after: dict[str, Decimal]  # chain slug -> multiplier after

    @property
    def done_at(self) -> dt.datetime:
        return max(self.effective.values())

    def describe(self) -> str:
        times = ", ".join(
            f"{slug} {when:%H:%M:%S}" for slug, when in sorted(self.effective.items())
        )
        return f"{self.symbol}: {self.ratio}-for-1 split (simulated) from {times} UTC"


class SolanaControl:
    """Token-2022 multiplier updates for a local chain that another process serves."""

    def __init__(self, url: str, authority: Keypair) -> None:
        self.url = url
        self.authority = authority

    def _rpc(self, method: str, params: list[Any]) -> Any:
        reply = requests.post(
            self.url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
            timeout=RPC_TIMEOUT,
        )
        reply.raise_for_status()
        body = reply.json()
        if "error" in body:
            raise RuntimeError(f"{method}: {body['error'].get('message')}")
        return body["result"]

    def multiplier(self, mint: str) -> Decimal:
        """The mint's scaled-UI multiplier in force (as the reader computes it, wall clock)."""
        info = self._rpc("getAccountInfo", [mint, {"encoding": "base64"}])
        if not info or not info.get("value"):
            raise RuntimeError(f"mint {mint} not found")
        config = scaled_ui_config(base64.b64decode(info["value"]["data"][0]))
        if config is None:
            raise RuntimeError(f"mint {mint} has no scaled-UI-amount extension")
        multiplier, effective_at, new_multiplier = config
        block_time = self._rpc("getBlockTime", [self._rpc("getSlot", [])]) or 0
        value = new_multiplier if block_time >= effective_at else multiplier
        return Decimal(repr(value))

    def schedule(self, mint: str, multiplier: Decimal, effective_at: int) -> str:
        """Send UpdateMultiplier signed by the chain's authority; returns the signature."""
        blockhash = self._rpc("getLatestBlockhash", [])["value"]["blockhash"]
        instruction = update_multiplier_instruction(
            Pubkey.from_string(mint), self.authority.pubkey(), multiplier, effective_at
        )
        message = Message([instruction], self.authority.pubkey())
        tx = Transaction([self.authority], message, Hash.from_string(blockhash))
        encoded = base64.b64encode(bytes(tx)).decode()
        return self._rpc("sendTransaction", [encoded, {"encoding": "base64"}])


def registry_legs(evm_nodes: dict[str, Web3], *, solana: bool) -> dict[str, list[Leg]]:
    """{symbol: legs} of every token deployed on at least two chains the simulator reaches
    (the local EVM chains, and the local Solana chain when `solana`), only those on both an
    EVM chain and Solana when there are such tokens."""
    kinds = [Chain.Kind.EVM] + ([Chain.Kind.SOLANA] if solana else [])
    rows = (
        Deployment.objects.filter(chain__kind__in=kinds)
        .select_related("token", "chain")
        .order_by("token__symbol", "chain__slug")
    )
    legs: dict[str, list[Leg]] = {}
    for d in rows:
        if d.chain.kind == Chain.Kind.EVM and d.chain.slug not in evm_nodes:
            continue
        legs.setdefault(d.token.symbol, []).append(Leg(d.chain.kind, d.chain.slug, d.address))
    several = {symbol: group for symbol, group in legs.items() if len(group) > 1}
    # Tokens on both kinds of chain show both mechanisms (contract multiplier, Token-2022
    # ScaledUiAmount): the simulator turns to them when there are any.
    both = {
        symbol: group
        for symbol, group in several.items()
        if {leg.kind for leg in group} >= {Chain.Kind.EVM, Chain.Kind.SOLANA}
    }
    return both or several


@dataclass
class CorporateActionSimulator:
    """Announces one split at a time, `every` apart, and says when each has run its course."""

    legs: dict[str, list[Leg]]
    evm_nodes: dict[str, Web3]
    solana: SolanaControl | None = None
    every: dt.timedelta = dt.timedelta(minutes=10)
    lead: dt.timedelta = dt.timedelta(minutes=1)
    lag: dt.timedelta = dt.timedelta(minutes=3)
    lagging: str | None = None  # chain slug; default: Solana, else the last chain by slug
    ratio: Decimal = SPLIT_RATIO
    rng: random.Random = field(default_factory=random.Random)
    on_announce: Callable[[Split], None] | None = None
    # Called once per chain when its time has come (the demo custodians then report).
    on_effective: Callable[[Split, str], None] | None = None
    current: Split | None = None
    applied: set[str] = field(default_factory=set)
    next_at: dt.datetime | None = None
    _order: list[str] = field(default_factory=list)

    def step(self, now: dt.datetime) -> str | None:
        """What to do at `now` (a controlled clock in tests); returns what was done."""
        if self.current is not None:
            due = sorted(
                slug
                for slug, at in self.current.effective.items()
                if at <= now and slug not in self.applied
            )
            for slug in due:
                self.applied.add(slug)
                if self.on_effective is not None:
                    self.on_effective(self.current, slug)
            if now < self.current.done_at:
                return f"{self.current.symbol}: in force on {', '.join(due)}" if due else None
            done = self.current
            self.applied = set()
            self.current = None
            self.next_at = done.announced_at + self.every
            return f"{done.symbol}: split applied on every chain"
        if not self.legs or (self.next_at is not None and now < self.next_at):
            return None
        self.current = self.announce(now)
        return self.current.describe()

    def _next_symbol(self) -> str:
        if not self._order:
            self._order = sorted(self.legs)
            self.rng.shuffle(self._order)
        return self._order.pop()

    def announce(self, now: dt.datetime) -> Split:
        """Schedule the next token's split on each of its chains."""
        symbol = self._next_symbol()
        legs = self.legs[symbol]
        slugs = [leg.chain for leg in legs]
        lagging = self.lagging if self.lagging in slugs else None
        if lagging is None:
            solana = [leg.chain for leg in legs if leg.kind == Chain.Kind.SOLANA]
            lagging = solana[0] if solana else sorted(slugs)[-1]
        split = Split(
            symbol=symbol, ratio=self.ratio, announced_at=now, effective={}, before={}, after={}
        )
        for leg in legs:
            at = now + self.lead + (self.lag if leg.chain == lagging else dt.timedelta(0))
            at = at.replace(microsecond=0)
            before = self._multiplier(leg)
            after = before * self.ratio
            self._schedule(leg, after, int(at.timestamp()))
            split.effective[leg.chain] = at
            split.before[leg.chain] = before
            split.after[leg.chain] = after
        if self.on_announce is not None:
            self.on_announce(split)
        return split

    def _multiplier(self, leg: Leg) -> Decimal:
        if leg.kind == Chain.Kind.EVM:
            return evm_world.read_multiplier(self.evm_nodes[leg.chain], leg.address)
        if self.solana is None:
            raise RuntimeError("no Solana chain to change")
        return self.solana.multiplier(leg.address)

    def _schedule(self, leg: Leg, multiplier: Decimal, at: int) -> None:
        if leg.kind == Chain.Kind.EVM:
            w3 = self.evm_nodes[leg.chain]
            evm_world.set_multiplier(w3, leg.address, multiplier, activation_time=at)
        elif self.solana is not None:
            self.solana.schedule(leg.address, multiplier, at)


def run(
    simulator: CorporateActionSimulator,
    *,
    interval: float,
    stop: threading.Event,
    clock: Callable[[], dt.datetime],
) -> None:
    """Step the simulator every `interval` seconds until `stop` is set (run it on a thread)."""
    while not stop.wait(interval):
        try:
            done = simulator.step(clock())
            if done:
                logger.info("corporate actions: %s", done)
        except Exception:  # the demo keeps going when one action fails
            logger.exception("corporate-action simulator step failed")
