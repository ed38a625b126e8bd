"""What the price oracle (Chainlink Data Streams) says, beside what the site itself says.

The site's own figures are the NYSE session (`sessions.market_session`) at the report's
observation time and the multiplier each chain applies to the token
(`apps.chains.selectors.chain_multipliers`). The oracle disagrees when

- its `currentMultiplier` differs from a chain's multiplier (relative difference above
  MULTIPLIER_TOLERANCE, which absorbs Token-2022's f64 multiplier), or
- its `marketStatus` contradicts the session: open while the NYSE has no session at all
  (not even pre-market or after-hours), or closed during the regular session; within
  SESSION_GRACE of an open or a close either answer is accepted.

Status 0 (unknown) or an undefined code contradicts nothing. A report older than
MARKETS_DATASTREAMS_MAX_AGE_SECONDS is shown with its age and judged no more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.catalog.models import PriceFeed
from apps.chains.selectors import ChainMultiplier, chain_multipliers

from .models import OracleReport
from .selectors import age_text
from .sessions import MarketSession, State, market_session

MULTIPLIER_TOLERANCE = Decimal("1e-9")  # relative
SESSION_GRACE = dt.timedelta(minutes=5)
OPEN, CLOSED = 2, 1


@dataclass(frozen=True)
class ChainCheck:
    chain: ChainMultiplier
    agrees: bool


@dataclass(frozen=True)
class OracleStatus:
    """A token's latest Data Streams report and how it compares with the site's figures."""

    now: dt.datetime
    token_id: int
    symbol: str
    feed_id: str  # the token's v10 feed
    report: OracleReport | None
    max_age: dt.timedelta
    session: MarketSession | None  # the NYSE session at the report's observation
    chains: tuple[ChainCheck, ...]
    status_disagrees: bool

    @property
    def age(self) -> dt.timedelta | None:
        return None if self.report is None else self.now - self.report.observed_at

    @property
    def age_text(self) -> str:
        return "" if self.age is None else age_text(self.age)

    @property
    def stale(self) -> bool:
        return self.age is not None and self.age > self.max_age

    @property
    def judged(self) -> bool:
        """A fresh report exists, so a disagreement counts."""
        return self.report is not None and not self.stale

    @property
    def multiplier_disagrees(self) -> bool:
        return any(not c.agrees for c in self.chains)

    @property
    def disagrees(self) -> bool:
        return self.judged and (self.multiplier_disagrees or self.status_disagrees)


def multipliers_agree(oracle: Decimal, chain: Decimal) -> bool:
    scale = max(abs(oracle), abs(chain))
    return abs(oracle - chain) <= MULTIPLIER_TOLERANCE * scale


def status_contradicts(market_status: int, at: dt.datetime) -> bool:
    """The oracle's market status against the NYSE session at `at`, give or take the grace."""
    if market_status not in (OPEN, CLOSED):
        return False
    states = {market_session(t).state for t in (at - SESSION_GRACE, at, at + SESSION_GRACE)}
    if market_status == OPEN:
        return states == {State.CLOSED}
    return states == {State.REGULAR}


def latest_reports(token_ids: Iterable[int]) -> dict[int, OracleReport]:
    """{token id: its latest Data Streams report}, in one query."""
    newest = OracleReport.objects.filter(token=OuterRef("token")).order_by("-observed_at", "-pk")
    rows = OracleReport.objects.filter(
        token_id__in=list(token_ids), pk=Subquery(newest.values("pk")[:1])
    )
    return {r.token_id: r for r in rows}


def oracle_statuses(
    token_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None
) -> dict[int, OracleStatus]:
    """{token id: OracleStatus} of the given tokens (None: every token) that have a v10 Data
    Streams feed, by symbol: one query when none has a feed, three at most (feeds, latest
    reports, the chains' multipliers) whatever their number."""
    now = now or timezone.now()
    feeds_qs = PriceFeed.objects.filter(
        provider=PriceFeed.Provider.CHAINLINK_DATA_STREAMS, schema=PriceFeed.Schema.V10
    ).exclude(feed_id="")
    if token_ids is not None:
        feeds_qs = feeds_qs.filter(token_id__in=list(token_ids))
    feeds = {
        token_id: (symbol, feed_id)
        for token_id, symbol, feed_id in feeds_qs.order_by("token__symbol").values_list(
            "token_id", "token__symbol", "feed_id"
        )
    }
    reports = latest_reports(feeds) if feeds else {}
    chains = chain_multipliers(reports) if reports else {}
    max_age = dt.timedelta(seconds=settings.MARKETS_DATASTREAMS_MAX_AGE_SECONDS)
    out = {}
    for token_id, (symbol, feed_id) in feeds.items():
        report = reports.get(token_id)
        checks: tuple[ChainCheck, ...] = ()
        session = None
        contradicts = False
        if report is not None:
            session = market_session(report.observed_at)
            contradicts = status_contradicts(report.market_status, report.observed_at)
            if report.current_multiplier is not None:
                checks = tuple(
                    ChainCheck(c, multipliers_agree(report.current_multiplier, c.multiplier))
                    for c in chains.get(token_id, [])
                )
        out[token_id] = OracleStatus(
            now=now,
            token_id=token_id,
            symbol=symbol,
            feed_id=feed_id.lower(),
            report=report,
            max_age=max_age,
            session=session,
            chains=checks,
            status_disagrees=contradicts,
        )
    return out


def oracle_status(token_id: int, *, now: dt.datetime | None = None) -> OracleStatus | None:
    """One token's OracleStatus, or None when it has no v10 Data Streams feed."""
    return oracle_statuses([token_id], now=now).get(token_id)
