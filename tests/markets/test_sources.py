from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from apps.chains.models import OracleFeed, OracleRound
from apps.markets.models import Quote
from apps.markets.services import build_universe, sync_prices
from apps.markets.sources import OracleSource, PriceSource, SimulatorSource, VendorSource
from tests.factories import ChainFactory, TokenFactory

pytestmark = pytest.mark.django_db
OPEN = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)  # Tuesday 10:00 New York
SATURDAY = dt.datetime(2026, 11, 28, 15, 0, tzinfo=dt.UTC)


def test_every_source_speaks_the_same_interface():
    for source in (SimulatorSource(), OracleSource(), VendorSource(base_url="http://127.0.0.1:1")):
        assert isinstance(source, PriceSource)


def by_key(quotes):
    return {q.key: q for q in quotes}


def test_simulator_is_seeded_and_walks_while_the_market_is_open(aapl):
    universe = build_universe(at=OPEN)
    first = by_key(SimulatorSource(seed=7).fetch(universe))
    assert first == by_key(SimulatorSource(seed=7).fetch(universe))
    sync_prices(sources=[SimulatorSource(seed=7)], at=OPEN)
    moved = [
        by_key(SimulatorSource(seed=7).fetch(build_universe(at=OPEN + dt.timedelta(minutes=m))))
        for m in range(1, 6)
    ]
    isin = aapl.security.isin
    assert len({q[isin].price for q in moved}) > 1
    assert all(isinstance(q[isin].price, Decimal) for q in moved)


def test_simulator_holds_the_underlying_still_when_closed(aapl):
    sync_prices(sources=[SimulatorSource(seed=3)], at=SATURDAY)
    last = Quote.objects.get(security=aapl.security).price
    for m in range(1, 4):
        quotes = by_key(
            SimulatorSource(seed=3).fetch(build_universe(at=SATURDAY + dt.timedelta(minutes=m)))
        )
        assert quotes[aapl.security.isin].price == last


@pytest.mark.parametrize(("at", "spread_bps"), [(OPEN, 15), (SATURDAY, 80)])
def test_simulated_token_wanders_around_fair_value(at, spread_bps):
    token = TokenFactory(multiplier=Decimal("0.5"))
    for m in range(30):
        quotes = by_key(
            SimulatorSource(seed=5).fetch(build_universe(at=at + dt.timedelta(minutes=m)))
        )
        fair = quotes[token.security.isin].price * token.multiplier
        premium = (quotes[token.symbol].price / fair - 1) * 10000
        assert abs(premium) <= spread_bps + 1


def test_oracle_rounds_are_token_quotes_with_the_feed_heartbeat(aapl):
    feed = OracleFeed.objects.create(
        token=aapl, chain=ChainFactory(), address="0x" + "ab" * 20, heartbeat_seconds=3600
    )
    for n, (answer, minutes) in enumerate([("228.5", 10), ("229.25", 5)], start=1):
        OracleRound.objects.create(
            feed=feed,
            round_id=n,
            answer=Decimal(answer),
            updated_at=OPEN - dt.timedelta(minutes=minutes),
            answered_in_round=n,
            observed_at=OPEN,
        )
    (q,) = OracleSource().fetch(build_universe(at=OPEN))
    assert (q.kind, q.key, q.price, q.source) == ("token", "AAPLx", Decimal("229.25"), "oracle")
    assert q.max_age == dt.timedelta(hours=1)
    sync_prices(sources=[OracleSource()], at=OPEN)
    again = sync_prices(sources=[OracleSource()], at=OPEN)
    assert again.counts["oracle"]["skipped"] == 1
    assert Quote.objects.filter(source="oracle").count() == 1


def test_simulator_starts_at_the_dated_reference_close(aapl, tmp_path):
    from apps.markets.sources import load_reference_closes

    path = tmp_path / "reference.json"
    row = {"ticker": "AAPL", "close": "253.79", "date": "2026-03-31"}
    path.write_text(json.dumps({"prices": {aapl.security.isin: row}}))
    reference = load_reference_closes(path)
    assert reference == {aapl.security.isin: Decimal("253.79")}
    quotes = by_key(SimulatorSource(seed=3, reference=reference).fetch(build_universe(at=SATURDAY)))
    assert quotes[aapl.security.isin].price == Decimal("253.79")  # closed: it holds still
    assert quotes[aapl.security.isin].source == "simulator"  # still labelled simulated
    # An unreadable file: no reference, random start (never an error).
    path.write_text("{not json")
    assert load_reference_closes(path) == {}
    assert load_reference_closes(tmp_path / "missing.json") == {}


def test_the_shipped_reference_closes_are_dated_and_sourced():
    from django.conf import settings

    document = json.loads(settings.MARKETS_REFERENCE_PRICES_PATH.read_text())
    assert document["source"]["repo"] and len(document["source"]["commit"]) == 40
    apple = document["prices"]["US0378331005"]
    assert apple["ticker"] == "AAPL" and apple["date"] == document["date"] == "2026-03-31"
    assert Decimal(apple["close"]) > 100 and apple["filings"] >= 2
    registry = json.loads(settings.REGISTRY_PATH.read_text())
    unpublished = {t["underlying"]["ticker"] for t in registry["tokens"]}
    unpublished -= {
        t["underlying"]["ticker"] for t in registry["tokens"] if t["underlying"]["isin"]
    }
    assert unpublished <= set(document["not_found"])  # no ISIN published: no reference either
    priced = {row["ticker"] for row in document["prices"].values()}
    assert not priced & set(document["not_found"])


def test_an_underlying_without_an_isin_is_priced_by_its_ticker(db):
    token = TokenFactory(security__isin=None, security__ticker="BOT")
    sync_prices(sources=[SimulatorSource(seed=3)], at=SATURDAY)
    assert Quote.objects.filter(security=token.security).count() == 1
    assert Quote.objects.filter(token=token).count() == 1
