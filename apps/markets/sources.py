"""Price sources: one interface, several implementations, each returning frozen quotes.

A source never writes: services.sync_prices asks each configured source and records what
it answered. A source that fails raises PriceSourceError and nothing it said is recorded.
The Data Streams source answers per feed: the feeds that failed are left out and named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import requests
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core import safejson

from .datastreams import DataStreamsClient, DataStreamsError, SignedReport
from .sessions import State, market_session

SubjectKind = Literal["security", "token"]
# A vendor answer for a thousand symbols is about 100 kB; anything past this is refused.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
CENT = Decimal("0.0001")


class PriceSourceError(Exception):
    """The source could not answer (down, timed out, or answered something unreadable)."""


@dataclass(frozen=True)
class PriceQuote:
    """A price as a source gave it. `key` is a security's ISIN or a token's symbol."""

    kind: SubjectKind
    key: str
    price: Decimal
    time: dt.datetime
    source: str
    max_age: dt.timedelta


TICKER_KEY_PREFIX = "TICKER:"


def security_key(isin: str | None, ticker: str) -> str:
    """How quotes name an underlying: its ISIN, or its ticker where no ISIN is published."""
    return isin or f"{TICKER_KEY_PREFIX}{ticker}"


@dataclass(frozen=True)
class SecurityRef:
    isin: str
    ticker: str
    last_price: Decimal | None = None


@dataclass(frozen=True)
class TokenRef:
    symbol: str
    isin: str  # the underlying's ISIN
    multiplier: Decimal
    last_price: Decimal | None = None


@dataclass(frozen=True)
class Universe:
    """What to price, with the last published prices a stateful source may walk from."""

    securities: tuple[SecurityRef, ...]
    tokens: tuple[TokenRef, ...]
    at: dt.datetime = field(default_factory=timezone.now)


@runtime_checkable
class PriceSource(Protocol):
    name: str
    max_age: dt.timedelta

    def fetch(self, universe: Universe) -> list[PriceQuote]: ...


# --- the demo simulator ---------------------------------------------------------------


def _rng(*parts: object) -> random.Random:
    # Deterministic per seed, subject and minute: two runs in the same minute agree.
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 (not crypto)


def _start_price(isin: str, seed: int) -> Decimal:
    return Decimal(_rng(seed, isin, "start").randint(2000, 60000)) / 100


def load_reference_closes(path: str | Path) -> dict[str, Decimal]:
    """{ISIN: a dated public reference close} from a reference-prices file; {} when the
    file is missing or unreadable (the simulator then starts at random prices)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        rows = document["prices"]
        return {
            isin: Decimal(row["close"])
            for isin, row in rows.items()
            if Decimal(row["close"]).is_finite() and Decimal(row["close"]) > 0
        }
    except (OSError, ValueError, KeyError, TypeError, ArithmeticError, AttributeError):
        return {}


class SimulatorSource:
    """A seeded random walk per security that moves only while the XNYS calendar trades.

    Token prices wander around fair value (underlying x multiplier): within about
    `open_spread_bps` while the market trades, `closed_spread_bps` when it is closed.
    """

    name = "simulator"

    def __init__(
        self,
        *,
        seed: int = 1,
        max_age: dt.timedelta = dt.timedelta(minutes=5),
        step_bps: int = 8,
        open_spread_bps: int = 15,
        closed_spread_bps: int = 80,
        reference: Mapping[str, Decimal] | None = None,
    ) -> None:
        self.seed = seed
        # Where a security has no price yet: its dated public reference close, if any.
        self.reference = reference or {}
        self.max_age = max_age
        self.step_bps = step_bps
        self.open_spread_bps = open_spread_bps
        self.closed_spread_bps = closed_spread_bps

    def fetch(self, universe: Universe) -> list[PriceQuote]:
        at = universe.at.replace(microsecond=0)
        session = market_session(at)
        minute = int(at.timestamp()) // 60
        step = {State.REGULAR: 1, State.PRE_MARKET: 0.3, State.AFTER_HOURS: 0.3}
        quotes: list[PriceQuote] = []
        underlying: dict[str, Decimal] = {}
        for sec in universe.securities:
            price = (
                sec.last_price or self.reference.get(sec.isin) or _start_price(sec.isin, self.seed)
            )
            if session.trading:
                move = _rng(self.seed, sec.isin, minute).gauss(0, self.step_bps)
                move *= step[session.state]
                price = price * (1 + Decimal(str(round(move, 4))) / 10000)
            price = max(price, CENT).quantize(CENT)
            underlying[sec.isin] = price
            quotes.append(self._quote("security", sec.isin, price, at))
        spread = self.open_spread_bps if session.trading else self.closed_spread_bps
        for tok in universe.tokens:
            base = underlying.get(tok.isin)
            if base is None:
                continue
            fair = base * tok.multiplier
            noise = _rng(self.seed, tok.symbol, minute).uniform(-spread, spread)
            price = (fair * (1 + Decimal(str(round(noise, 4))) / 10000)).quantize(CENT)
            quotes.append(self._quote("token", tok.symbol, max(price, CENT), at))
        return quotes

    def _quote(self, kind: SubjectKind, key: str, price: Decimal, at: dt.datetime) -> PriceQuote:
        return PriceQuote(
            kind=kind, key=key, price=price, time=at, source=self.name, max_age=self.max_age
        )


# --- HTTP sources (market-data vendor, venue) ----------------------------------------


def parse_price(value: object, where: str) -> Decimal:
    """A positive finite decimal from a JSON string or number, or PriceSourceError."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PriceSourceError(f"{where}: price {value!r} is not a number")
    try:
        # A JSON float is read through its text, so 189.12 stays 189.12.
        price = Decimal(str(value))
    except InvalidOperation as exc:
        raise PriceSourceError(f"{where}: price {value!r} is not a number") from exc
    if not price.is_finite() or price <= 0:
        raise PriceSourceError(f"{where}: price {value!r} is not a positive number")
    return price


def parse_time(value: object, where: str) -> dt.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or timezone.is_naive(parsed):
        raise PriceSourceError(f"{where}: time {value!r} is not an ISO 8601 time with a zone")
    return parsed


class HttpQuoteSource:
    """A JSON quotes endpoint: GET {base_url}/quotes?symbols=A,B with a bearer API key.

    Answer: {"quotes": [{"symbol": "AAPL", "price": "189.12", "time": "2026-...Z"}]}.
    The whole answer is checked before anything is returned: one bad row fails the
    fetch, so a garbled answer never replaces a good price.
    """

    name = "vendor"
    kind: SubjectKind = "security"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        timeout: float = 5.0,
        max_age: dt.timedelta = dt.timedelta(minutes=15),
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.max_age = max_age
        self.http = session or requests.Session()

    def symbols(self, universe: Universe) -> Mapping[str, str]:
        """Symbol the endpoint knows -> our key (ISIN for securities)."""
        return {s.ticker: s.isin for s in universe.securities}

    def fetch(self, universe: Universe) -> list[PriceQuote]:
        wanted = self.symbols(universe)
        if not wanted:
            return []
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = f"{self.base_url}/quotes"
        try:
            response = self.http.get(
                url,
                params={"symbols": ",".join(sorted(wanted))},
                headers=headers,
                timeout=self.timeout,
                stream=True,
            )
            with response:
                if response.status_code != 200:
                    raise PriceSourceError(f"{self.name} {url}: HTTP {response.status_code}")
                content = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    content += chunk
                    if len(content) > MAX_ANSWER_BYTES:
                        raise PriceSourceError(
                            f"{self.name} {url}: answer larger than {MAX_ANSWER_BYTES} bytes"
                        )
        except requests.RequestException as exc:
            raise PriceSourceError(f"{self.name} {url}: {type(exc).__name__}: {exc}") from exc
        try:
            body = safejson.loads(bytes(content))
        except ValueError as exc:
            raise PriceSourceError(f"{self.name} {url}: answer is not JSON") from exc
        rows = body.get("quotes") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise PriceSourceError(f"{self.name} {url}: no 'quotes' list in the answer")
        return list(self._parse(rows, wanted, universe.at))

    def _parse(
        self, rows: list[object], wanted: Mapping[str, str], at: dt.datetime
    ) -> Iterable[PriceQuote]:
        quotes = []
        for i, row in enumerate(rows):
            where = f"{self.name} quotes[{i}]"
            if not isinstance(row, dict):
                raise PriceSourceError(f"{where}: not an object")
            symbol = row.get("symbol")
            if symbol not in wanted:
                continue  # something we did not ask for
            time = parse_time(row.get("time"), f"{where} ({symbol})")
            if time > at + dt.timedelta(minutes=1):
                raise PriceSourceError(f"{where} ({symbol}): time {time} is in the future")
            quotes.append(
                PriceQuote(
                    kind=self.kind,
                    key=wanted[symbol],
                    price=parse_price(row.get("price"), f"{where} ({symbol})"),
                    time=time,
                    source=self.name,
                    max_age=self.max_age,
                )
            )
        return quotes


class VendorSource(HttpQuoteSource):
    """The market-data vendor: prices of the underlying shares by ticker."""

    name = "vendor"
    kind = "security"


class VenueSource(HttpQuoteSource):
    """A trading venue's ticker endpoint, same shape: prices of the tokens by symbol."""

    name = "venue"
    kind = "token"

    def symbols(self, universe: Universe) -> Mapping[str, str]:
        return {t.symbol: t.symbol for t in universe.tokens}


# --- on-chain oracle rounds ------------------------------------------------------------


class OracleSource:
    """The latest round of every oracle feed, as a price of the feed's token.

    Rounds are written by the chain sync; this source only reads them. A feed's allowed
    age is its heartbeat.
    """

    name = "oracle"
    max_age = dt.timedelta(days=1)

    def fetch(self, universe: Universe) -> list[PriceQuote]:
        from apps.chains.models import OracleFeed, OracleRound

        symbols = {t.symbol for t in universe.tokens}
        newest = OracleRound.objects.filter(feed=OuterRef("pk")).order_by(
            "-updated_at", "-round_id"
        )
        feeds = OracleFeed.objects.filter(token__symbol__in=symbols).annotate(
            latest_id=Subquery(newest.values("pk")[:1])
        )
        latest = OracleRound.objects.filter(pk__in=feeds.values("latest_id")).select_related(
            "feed__token"
        )
        quotes: dict[int, PriceQuote] = {}
        for rnd in latest:
            if rnd.feed_id in quotes or rnd.answer is None or rnd.answer <= 0:
                continue
            quotes[rnd.feed_id] = PriceQuote(
                kind="token",
                key=rnd.feed.token.symbol,
                price=rnd.answer,
                time=rnd.updated_at,
                source=self.name,
                max_age=dt.timedelta(seconds=rnd.feed.heartbeat_seconds),
            )
        return list(quotes.values())


# --- Chainlink Data Streams ------------------------------------------------------------

QUOTE_PLACES = Decimal(1).scaleb(-10)  # Quote.price keeps 10 decimals; reports keep 18


class DataStreamsSource:
    """The latest Chainlink Data Streams v10 report of every token with a registered feed
    (catalog PriceFeed, provider chainlink-data-streams, schema v10).

    Quotes: the token at `tokenizedPrice` (its 24/7 price) at the observation time, and the
    underlying at `price` as of its last update. Each feed stands alone: a feed whose
    report fails records nothing (its last good values stay) and is named in `failures`,
    which the sync turns into a failed run; when every feed fails the fetch fails. The
    decoded reports of the last fetch are kept in `reports` for the sync to store
    (markets.OracleReport).
    """

    name = "datastreams"

    def __init__(self, *, client: DataStreamsClient, max_age: dt.timedelta, demo: bool = False):
        self.client = client
        self.max_age = max_age
        self.demo = demo
        self.reports: list[SignedReport] = []
        self.failures: dict[str, str] = {}  # feed id -> why it has no report this time

    def feeds(self, universe: Universe) -> dict[str, TokenRef]:
        """{feed id: token} of the universe's tokens with a v10 Data Streams feed."""
        from apps.catalog.models import PriceFeed

        tokens = {t.symbol: t for t in universe.tokens}
        rows = PriceFeed.objects.filter(
            provider=PriceFeed.Provider.CHAINLINK_DATA_STREAMS,
            schema=PriceFeed.Schema.V10,
            token__symbol__in=list(tokens),
        ).exclude(feed_id="")
        return {
            feed.lower(): tokens[symbol]
            for feed, symbol in rows.order_by("token__symbol").values_list(
                "feed_id", "token__symbol"
            )
        }

    def fetch(self, universe: Universe) -> list[PriceQuote]:
        self.reports, self.failures = [], {}
        feeds = self.feeds(universe)
        try:
            answers = self.client.latest_by_feed(feeds)
        except DataStreamsError as exc:
            raise PriceSourceError(f"{self.name}: {exc}") from exc
        reports = []
        for feed, answer in answers.items():
            if isinstance(answer, DataStreamsError):
                self.failures[feed] = f"{feeds[feed].symbol}: {answer}"
            elif answer.data.schema != "v10":
                self.failures[feed] = f"{feeds[feed].symbol}: feed {feed} is not a v10 feed"
            else:
                reports.append(answer)
        if answers and not reports:
            raise PriceSourceError(f"{self.name}: " + "; ".join(self.failures.values()))
        quotes: list[PriceQuote] = []
        underlying: dict[str, PriceQuote] = {}
        for report in reports:
            data, token = report.data, feeds[report.feed_id]
            tokenized = (data.tokenized_price or Decimal(0)).quantize(QUOTE_PLACES)
            if tokenized > 0:  # 0: the stream publishes no tokenized price
                quotes.append(self._quote("token", token.symbol, tokenized, data.observed_at))
            # `price` is the last trade of the underlying: dated by its last update (it
            # does not move on weekends), never later than the observation.
            at = min(data.last_update_at or data.observed_at, data.observed_at)
            price = data.price.quantize(QUOTE_PLACES)
            held = underlying.get(token.isin)
            if price > 0 and (held is None or at > held.time):
                underlying[token.isin] = self._quote("security", token.isin, price, at)
        self.reports = reports
        return quotes + list(underlying.values())

    def _quote(self, kind: SubjectKind, key: str, price: Decimal, at: dt.datetime) -> PriceQuote:
        return PriceQuote(
            kind=kind, key=key, price=price, time=at, source=self.name, max_age=self.max_age
        )
