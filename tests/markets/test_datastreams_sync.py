"""The `datastreams` price source in sync_prices, through the real client and the local
endpoint over HTTP: quotes and stored reports, idempotence, every fault a failed run that
keeps the last good value, the settings, and the demo endpoint priced from the simulator."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from apps.catalog.models import CorporateAction, PriceFeed, Token
from apps.core.models import JobRun
from apps.devchain.datastreams_demo import (
    DEMO_API_KEY,
    DEMO_API_SECRET,
    DataStreamsServer,
    SimulatorPrices,
    demo_signer_addresses,
)
from apps.markets.models import OracleReport, Quote
from apps.markets.selectors import token_price
from apps.markets.services import (
    build_universe,
    compact_history,
    configured_sources,
    record_quotes,
    sync_prices,
)
from apps.markets.sessions import market_session
from apps.markets.signals import oracle_reports_recorded
from apps.markets.sources import DataStreamsSource, PriceQuote
from tests.markets.datastreams_helpers import (
    AAPLX_OBSERVATION,
    AAPLX_V10,
    TSLAX_V10,
    Book,
    local_endpoint,
    source_for,
)
from tests.markets.datastreams_helpers import client_for as _client

pytestmark = pytest.mark.django_db


def register_feed(token: Token, feed_id: str = AAPLX_V10) -> PriceFeed:
    return PriceFeed.objects.create(
        token=token,
        provider=PriceFeed.Provider.CHAINLINK_DATA_STREAMS,
        schema=PriceFeed.Schema.V10,
        feed_id=feed_id,
    )


def _at(seconds_ago: int) -> float:
    """A fixed report time, whole seconds before now."""
    return float(int(time.time()) - seconds_ago)


def test_sync_records_the_reports_prices_and_the_report_itself_once(
    aapl, django_capture_on_commit_callbacks
):
    register_feed(aapl)
    announced: list[list[int]] = []

    def listen(sender, *, token_ids, **kwargs):
        announced.append(token_ids)

    oracle_reports_recorded.connect(listen)
    at = _at(10)
    try:
        with local_endpoint(clock=lambda: at) as server:
            with django_capture_on_commit_callbacks(execute=True):
                first = sync_prices(sources=[source_for(server)])
            with django_capture_on_commit_callbacks(execute=True):
                again = sync_prices(sources=[source_for(server)])
    finally:
        oracle_reports_recorded.disconnect(listen)

    assert first.errors == {}
    assert first.counts["datastreams"] == {
        "published": 2,
        "held": 0,
        "skipped": 0,
        "unknown": 0,
        "reports": 1,
    }
    assert again.counts["datastreams"]["reports"] == 0
    assert again.counts["datastreams"]["skipped"] == 2  # the same report: nothing twice
    assert announced == [[aapl.pk]]

    report = OracleReport.objects.get()
    assert report.token == aapl and report.feed_id == AAPLX_V10 and report.schema == "v10"
    assert report.price == Decimal("273.123456789012345678")
    assert report.tokenized_price == Decimal("273.61")
    assert report.current_multiplier == Decimal(1) and report.new_multiplier == Decimal(4)
    assert report.activation_at == dt.datetime(2030, 1, 2, tzinfo=dt.UTC)
    assert report.market_status == 2 and report.market_status_label == "Open"
    assert report.verification == "verified" and report.demo
    assert report.signers == demo_signer_addresses()
    assert report.full_report.startswith("0x") and len(report.full_report) > 1000
    assert report.expires_at - report.observed_at == dt.timedelta(days=1)

    token_quote = Quote.objects.get(token=aapl)
    assert token_quote.source == "datastreams" and token_quote.price == Decimal("273.61")
    assert token_quote.time == report.observed_at
    underlying = Quote.objects.get(security=aapl.security)
    assert underlying.price == Decimal("273.1234567890")  # Quote keeps 10 decimals
    assert token_price(aapl).source == "datastreams"
    assert JobRun.objects.filter(job="sync_prices").latest("pk").status == "ok"


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("garbled", "fullReport does not decode"),
        ("wrong-schema", "schema 0x0003 is not supported"),
        (401, "HTTP 401"),
        (500, "HTTP 500"),
        ("stall", "timed out"),
        ("wrong-secret", "HTTP 401 on GET /api/v1/reports/latest: unauthorized"),
    ],
)
def test_a_fault_fails_the_run_and_keeps_the_last_good_value(aapl, settings, fault, message):
    settings.MARKETS_DATASTREAMS_API_SECRET = DEMO_API_SECRET
    settings.MARKETS_DATASTREAMS_API_KEY = DEMO_API_KEY
    register_feed(aapl)
    now = [_at(20)]
    with local_endpoint(clock=lambda: now[0]) as server:
        sync_prices(sources=[source_for(server)])
        good = OracleReport.objects.get()
        now[0] = _at(5)
        if fault == "wrong-secret":
            source = source_for(server, secret="a-wrong-secret-value")
        else:
            server.fault, server.stall_seconds = fault, 3.0
            source = source_for(server, timeout=0.5)
        result = sync_prices(sources=[source])
    assert message in result.errors["datastreams"]
    run = JobRun.objects.filter(job="sync_prices").latest("pk")
    assert run.status == JobRun.Status.FAILED and message in run.error
    assert DEMO_API_SECRET not in run.error and DEMO_API_KEY not in run.error
    assert "a-wrong-secret-value" not in run.error
    # Nothing of the failed fetch was recorded: the last good report and price stay.
    assert list(OracleReport.objects.all()) == [good]
    assert Quote.objects.filter(source="datastreams").count() == 2
    assert token_price(aapl).price == Decimal("273.61")


def test_a_feed_of_a_delisted_token_is_not_asked_for(aapl):
    register_feed(aapl)
    with local_endpoint() as server:
        source = source_for(server)
        universe = build_universe()
        assert source.feeds(universe) == {AAPLX_V10: universe.tokens[0]}
        aapl.status = Token.Status.DELISTED
        aapl.save(update_fields=["status"])
        assert source.fetch(build_universe()) == []
        assert server.requests == []


def test_one_failing_feed_keeps_its_last_value_while_the_others_update(aapl):
    tsla = Token.objects.create(
        symbol="TSLAx", name="Tesla xStock", issuer=aapl.issuer, security=aapl.security
    )
    register_feed(aapl)
    register_feed(tsla, TSLAX_V10)
    book = Book({AAPLX_V10: AAPLX_OBSERVATION, TSLAX_V10: AAPLX_OBSERVATION})
    first = _at(20)
    now = [first]
    with local_endpoint(book, clock=lambda: now[0]) as server:
        sync_prices(sources=[source_for(server)])
        now[0] = _at(5)
        server.fault, server.fault_feeds = "garbled", {TSLAX_V10}
        result = sync_prices(sources=[source_for(server)])
    assert result.errors["datastreams"].startswith("TSLAx: Data Streams (http://127.0.0.1:")
    assert "fullReport does not decode" in result.errors["datastreams"]
    assert result.counts["datastreams"]["reports"] == 1
    run = JobRun.objects.filter(job="sync_prices").latest("pk")
    assert run.status == JobRun.Status.FAILED and "TSLAx" in run.error
    assert OracleReport.objects.filter(token=aapl).count() == 2
    assert OracleReport.objects.get(token=tsla).observed_at.timestamp() == first
    assert Quote.objects.get(token=tsla).time.timestamp() == first


def test_the_source_is_configured_from_settings(settings):
    settings.MARKETS_SOURCES = ["datastreams"]
    settings.MARKETS_DATASTREAMS_URL = ""
    with pytest.raises(ImproperlyConfigured, match="MARKETS_DATASTREAMS_URL"):
        configured_sources()
    settings.MARKETS_DATASTREAMS_URL = "https://api.dataengine.chain.link"
    settings.MARKETS_DATASTREAMS_API_KEY = "a-client-id"
    settings.MARKETS_DATASTREAMS_API_SECRET = "a-secret"
    settings.MARKETS_DATASTREAMS_SIGNERS = ["not-an-address"]
    with pytest.raises(ImproperlyConfigured, match="is not an address"):
        configured_sources()
    settings.MARKETS_DATASTREAMS_SIGNERS = [a.lower() for a in demo_signer_addresses()]
    settings.MARKETS_DATASTREAMS_MIN_SIGNATURES = 2
    settings.MARKETS_DATASTREAMS_MAX_AGE_SECONDS = 120
    (source,) = configured_sources()
    assert isinstance(source, DataStreamsSource)
    assert source.client.signers == frozenset(demo_signer_addresses())
    assert source.client.min_signatures == 2 and source.max_age == dt.timedelta(minutes=2)
    assert not source.demo


def test_old_reports_are_pruned_but_each_feed_keeps_its_latest(aapl, settings):
    settings.MARKETS_QUOTE_RETENTION_SECONDS = 60
    register_feed(aapl)
    now = [_at(30)]
    with local_endpoint(clock=lambda: now[0]) as server:
        for seconds_ago in (30, 20, 10):
            now[0] = _at(seconds_ago)
            sync_prices(sources=[source_for(server)])
    assert OracleReport.objects.count() == 3
    counts = compact_history(now=timezone.now() + dt.timedelta(minutes=5))
    assert counts["oracle_reports_dropped"] == 2
    assert OracleReport.objects.get().observed_at.timestamp() == now[0]


@pytest.mark.django_db(transaction=True)
def test_the_demo_endpoint_serves_the_simulators_prices_to_the_configured_client(aapl, settings):
    """demo_world's endpoint: the registry's v10 feeds, priced from the simulator's
    quotes in the database, read by the site through MARKETS_DATASTREAMS_URL."""
    register_feed(aapl)
    register_feed(
        Token.objects.create(
            symbol="TSLAx", name="Tesla xStock", issuer=aapl.issuer, security=aapl.security
        ),
        TSLAX_V10,
    )
    CorporateAction.objects.create(
        token=aapl,
        kind=CorporateAction.Kind.SPLIT,
        ex_date=dt.date(2031, 5, 6),
        ratio=Decimal(4),
        multiplier_before=Decimal(1),
        multiplier_after=Decimal(4),
    )
    at = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=30)
    record_quotes(
        quotes=[
            PriceQuote("token", "AAPLx", Decimal("229.87"), at, "simulator", dt.timedelta(1)),
            PriceQuote(
                "security", aapl.security.isin, Decimal("229.5"), at, "simulator", dt.timedelta(1)
            ),
        ]
    )
    with DataStreamsServer(SimulatorPrices()) as server:
        settings.MARKETS_SOURCES = ["datastreams"]
        settings.MARKETS_DATASTREAMS_URL = server.url
        settings.MARKETS_DATASTREAMS_API_KEY = DEMO_API_KEY
        settings.MARKETS_DATASTREAMS_API_SECRET = DEMO_API_SECRET
        settings.MARKETS_DATASTREAMS_SIGNERS = demo_signer_addresses()
        settings.MARKETS_DATASTREAMS_MIN_SIGNATURES = 2
        settings.MARKETS_DATASTREAMS_DEMO = True
        assert _client(server).feeds() == sorted([AAPLX_V10, TSLAX_V10])
        result = sync_prices()
    # TSLAx has a feed but no simulator price yet: no report (the endpoint answers 401, as
    # the API does for a stream it has nothing of); AAPLx's is read all the same.
    assert f"TSLAx: Data Streams ({server.url}): HTTP 401" in result.errors["datastreams"]
    report = OracleReport.objects.get()
    assert report.token == aapl and report.verification == "verified" and report.demo
    assert report.tokenized_price == Decimal("229.87") and report.price == Decimal("229.5")
    assert report.last_update_at == at
    assert report.market_status == (2 if market_session(report.observed_at).is_open else 1)
    assert report.current_multiplier == Decimal(1)
    assert report.new_multiplier == Decimal(4)
    assert report.activation_at == dt.datetime(2031, 5, 6, tzinfo=dt.UTC)
