"""The oracle_disagrees alert: Chainlink Data Streams reports read over HTTP from the local
endpoint, against the multipliers read on the chains and the NYSE session."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.catalog.models import PriceFeed
from apps.custody.services import import_statement
from apps.markets.services import sync_prices
from apps.reserves.models import Alert, PublicEvent
from apps.reserves.services import compute_snapshot
from tests.markets.datastreams_helpers import AAPLX_V10, local_endpoint, source_for
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db

SATURDAY = dt.datetime(2026, 11, 28, 15, 0, tzinfo=dt.UTC)  # NYSE closed all day
WEDNESDAY = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)  # 10:00 New York, regular session


@pytest.fixture
def world(aapl_world):
    """AAPLx on Ethereum and Solana (multiplier 1 read on both), fully backed, with its
    real v10 feed id registered."""
    import_statement(data=semt002(account="INC-001", holdings={AAPL_ISIN: "1000"}))
    PriceFeed.objects.create(
        token=aapl_world["token"],
        provider=PriceFeed.Provider.CHAINLINK_DATA_STREAMS,
        schema=PriceFeed.Schema.V10,
        feed_id=AAPLX_V10,
    )
    return aapl_world


def _open_alert(token) -> Alert | None:
    return Alert.objects.filter(
        token=token, condition=Alert.Condition.ORACLE_DISAGREES, resolved_at__isnull=True
    ).first()


def test_a_multiplier_disagreement_raises_the_alert_and_its_end_clears_it(
    world, django_capture_on_commit_callbacks
):
    token = world["token"]
    with local_endpoint() as server:
        # A new report recomputes the backing (signal -> task): the oracle agrees.
        with django_capture_on_commit_callbacks(execute=True):
            sync_prices(sources=[source_for(server)])
        assert _open_alert(token) is None

        server.override(AAPLX_V10, current_multiplier=Decimal("4"))
        with django_capture_on_commit_callbacks(execute=True):
            _wait_next_second()
            sync_prices(sources=[source_for(server)])
        alert = _open_alert(token)
        assert alert is not None
        assert "multiplier 4 against 1 on Ethereum" in alert.message
        assert "multiplier 4 against 1 on Solana" in alert.message
        assert alert.message.startswith("AAPLx: the Chainlink Data Streams report of ")

        server.clear_overrides()
        with django_capture_on_commit_callbacks(execute=True):
            _wait_next_second()
            sync_prices(sources=[source_for(server)])
    assert _open_alert(token) is None
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    kinds = list(
        PublicEvent.objects.filter(condition="oracle_disagrees").values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["alert_cleared", "alert_raised"]


def test_a_market_status_against_the_nyse_session_raises_the_alert(world):
    token = world["token"]
    cases = [  # in time order: each report is the token's latest
        (WEDNESDAY, 1, True, "market closed while the NYSE session is open"),
        (WEDNESDAY, 2, False, ""),
        (WEDNESDAY, 0, False, ""),  # unknown contradicts nothing
        (SATURDAY, 2, True, "market open while the NYSE session is closed"),
        (SATURDAY, 1, False, ""),
    ]
    for i, (day, status, disagrees, reason) in enumerate(cases):
        at = day + dt.timedelta(seconds=i)  # one report per feed and second
        with local_endpoint(clock=at.timestamp) as server:
            server.override(AAPLX_V10, market_status=status)
            sync_prices(sources=[source_for(server)])
        compute_snapshot(token=token, now=at + dt.timedelta(seconds=10))
        alert = _open_alert(token)
        assert (alert is not None) is disagrees, (at, status)
        if disagrees:
            assert reason in alert.message


def test_a_stale_report_is_judged_no_more(world):
    token = world["token"]
    with local_endpoint(clock=SATURDAY.timestamp) as server:
        sync_prices(sources=[source_for(server)])  # open on a Saturday
    compute_snapshot(token=token, now=SATURDAY + dt.timedelta(minutes=1))
    assert _open_alert(token) is not None
    compute_snapshot(token=token, now=SATURDAY + dt.timedelta(hours=1))  # older than 300 s
    assert _open_alert(token) is None


def test_a_token_without_a_feed_is_never_flagged(aapl_world):
    import_statement(data=semt002(account="INC-001", holdings={AAPL_ISIN: "1000"}))
    compute_snapshot(token=aapl_world["token"])
    assert not Alert.objects.filter(condition=Alert.Condition.ORACLE_DISAGREES).exists()


def _wait_next_second() -> None:
    """Reports are per second: the next one needs a new second."""
    import time

    time.sleep(1.05 - time.time() % 1)
