"""Reads of the portfolio app: an investor's holdings with their values, backing and reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from apps.catalog.models import Chain, Deployment, Token
from apps.chains.models import SupplyObservation
from apps.markets.charts import downsample, finest_series
from apps.markets.models import Bar
from apps.markets.selectors import TokenPrice, attach_prices, with_prices
from apps.onboarding.models import Wallet
from apps.onboarding.selectors import verified_wallets_of
from apps.reserves.models import ReserveSnapshot
from apps.reserves.selectors import attach_backing, data_age, short_age, with_backing

from .charts import value_figure, value_series
from .models import WalletBalance, WalletChainRead


def scaled_ui_multipliers(deployment_ids: Iterable[int]) -> dict[int, Decimal]:
    """{Solana deployment id: the multiplier from its raw amounts to underlying units}, from
    each mint's latest supply observation: its scaled-UI multiplier, or 1 for a mint without
    the extension. Mints never read are left out (their multiplier is not known).

    The one place the portfolio reads a chain's multiplier: when observations record more
    about it (a scheduled multiplier and its time), this is where they are taken into account.
    """
    rows = (
        SupplyObservation.objects.latest_per_deployment()
        .filter(deployment_id__in=list(deployment_ids))
        .values_list("deployment_id", "ui_multiplier")
    )
    return {pk: Decimal(1) if m is None else m for pk, m in rows}


# --- the /portfolio/ page ----------------------------------------------------------------

CHART_SPAN = dt.timedelta(days=31)  # value history shown: the hourly bars markets keeps
PERCENT = Decimal(100)
SHARE_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Position:
    """One wallet's latest stored balance of one token on one chain."""

    wallet: Wallet
    chain: Chain
    deployment: Deployment
    balance: WalletBalance
    read: WalletChainRead | None  # when and at which block, and a later failure if any

    @property
    def quantity(self) -> Decimal | None:
        return self.balance.quantity


@dataclass
class Holding:
    """One token across every wallet and chain, valued at its underlying's live price."""

    token: Token
    positions: list[Position]
    quantity: Decimal  # underlying units, positions with a known multiplier only
    unvalued: int  # positions whose multiplier was not known when read
    price: TokenPrice
    value: Decimal | None = None
    share: Decimal | None = None  # percent of the portfolio's value
    backing: ReserveSnapshot | None = None
    backing_age: dt.timedelta | None = None

    @property
    def backing_age_text(self) -> str:
        return short_age(self.backing_age) if self.backing_age is not None else ""


@dataclass(frozen=True)
class ReadLine:
    """The state of one wallet's reads on one chain: read, failed (last good figures
    kept), no_node (not read: no node configured) or not_read (not read yet)."""

    wallet: Wallet
    chain: Chain
    state: str
    read: WalletChainRead | None


@dataclass
class Portfolio:
    wallets: list[Wallet]
    holdings: list[Holding] = field(default_factory=list)
    reads: list[ReadLine] = field(default_factory=list)
    total_value: Decimal | None = None
    priced: int = 0
    chart: dict | None = None
    chart_tokens: int = 0  # tokens whose price history the chart could use

    @property
    def positions(self) -> list[Position]:
        return [p for h in self.holdings for p in h.positions]


def portfolio_of(
    user: AbstractBaseUser, *, now: dt.datetime | None = None, chart: bool = True
) -> Portfolio:
    """Everything /portfolio/ shows for one investor, in seven queries however many wallets,
    chains and tokens: wallets, chains, reads, latest balances, tokens with backing and
    prices, their snapshots, and (unless `chart` is False) the price history of the chart."""
    now = now or timezone.now()
    wallets = list(verified_wallets_of(user))
    portfolio = Portfolio(wallets=wallets)
    if not wallets:
        return portfolio
    kinds = {w.kind for w in wallets}
    chains = list(
        Chain.objects.filter(kind__in=kinds, deployments__isnull=False).distinct().order_by("name")
    )
    reads = {
        (r.wallet_id, r.chain_id): r for r in WalletChainRead.objects.filter(wallet__in=wallets)
    }
    for wallet in wallets:
        for chain in (c for c in chains if c.kind == wallet.kind):
            read = reads.get((wallet.pk, chain.pk))
            if not chain.effective_rpc_url:
                state = "no_node"
            elif read is None or (read.read_at is None and read.failed_at is None):
                state = "not_read"
            else:
                state = "failed" if read.failing else "read"
            portfolio.reads.append(ReadLine(wallet=wallet, chain=chain, state=state, read=read))

    by_wallet = {w.pk: w for w in wallets}
    balances = [
        b
        for b in WalletBalance.objects.latest_per_wallet_and_deployment()
        .filter(wallet__in=wallets)
        .select_related("deployment__chain")
        if b.raw_balance != 0
    ]
    positions: dict[int, list[Position]] = {}
    for b in balances:
        chain = b.deployment.chain
        positions.setdefault(b.deployment.token_id, []).append(
            Position(
                wallet=by_wallet[b.wallet_id],
                chain=chain,
                deployment=b.deployment,
                balance=b,
                read=reads.get((b.wallet_id, chain.pk)),
            )
        )
    if not positions:
        return portfolio
    tokens = list(
        with_prices(
            with_backing(Token.objects.filter(pk__in=positions).select_related("security")),
            now=now,
        )
    )
    attach_backing(tokens)
    attach_prices(tokens, now=now)
    for token in tokens:
        mine = sorted(positions[token.pk], key=lambda p: (p.chain.name, p.wallet.address))
        known = [p.quantity for p in mine if p.quantity is not None]
        holding = Holding(
            token=token,
            positions=mine,
            quantity=sum(known, Decimal(0)),
            unvalued=len(mine) - len(known),
            price=token.market,
            backing=token.backing,
            backing_age=data_age(token.backing, now=now),
        )
        if token.market.underlying_price is not None:
            holding.value = holding.quantity * token.market.underlying_price
        portfolio.holdings.append(holding)
    valued = [h.value for h in portfolio.holdings if h.value is not None]
    portfolio.priced = len(valued)
    if valued:
        portfolio.total_value = sum(valued, Decimal(0))
        for h in portfolio.holdings:
            if h.value is not None and portfolio.total_value:
                h.share = (h.value / portfolio.total_value * PERCENT).quantize(SHARE_PLACES)
    portfolio.holdings.sort(key=lambda h: (-(h.value or 0), h.token.symbol))
    if chart:
        _attach_chart(portfolio, now=now)
    return portfolio


def _attach_chart(portfolio: Portfolio, *, now: dt.datetime) -> None:
    """The value of today's holdings over the last CHART_SPAN, from the stored price
    history (markets Bars) of each token's underlying: one query."""
    quantities: dict[int, Decimal] = {}
    for h in portfolio.holdings:
        if h.quantity:
            quantities[h.token.security_id] = quantities.get(h.token.security_id, 0) + h.quantity
    if not quantities:
        return
    since = now - CHART_SPAN
    bars = Bar.objects.filter(
        security_id__in=list(quantities), start__gte=since - dt.timedelta(days=1)
    ).only("security_id", "interval", "start", "last_time", "close")
    by_security: dict[int, list[Bar]] = {}
    for bar in bars:
        by_security.setdefault(bar.security_id, []).append(bar)
    series = {
        security_id: [p for p in finest_series(rows) if p[0] >= since]
        for security_id, rows in by_security.items()
    }
    series = {k: v for k, v in series.items() if v}
    portfolio.chart_tokens = len(series)
    points = value_series({k: quantities[k] for k in series}, series)
    if points:
        portfolio.chart = value_figure(downsample(points)).to_plotly_json()
