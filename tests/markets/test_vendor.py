"""The market-data vendor adapter against recorded answers served by a local HTTP server."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from apps.core.models import JobRun
from apps.markets.models import Quote
from apps.markets.selectors import token_price
from apps.markets.services import build_universe, sync_prices
from apps.markets.sources import PriceQuote, PriceSourceError, VendorSource

RECORDED = Path(__file__).parent / "recorded"
AT = dt.datetime(2026, 11, 24, 15, 3, tzinfo=dt.UTC)


class Vendor:
    """What the fake vendor answers next, and what it was asked."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, str]]] = []

    def answer(self, name: str, status: int = 200, delay: float = 0.0) -> None:
        self.body = (RECORDED / name).read_bytes()
        self.status = status
        self.delay = delay


@pytest.fixture
def vendor():
    state = Vendor()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers)))
            if state.delay:
                time.sleep(state.delay)
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def source(vendor: Vendor, timeout: float = 2.0) -> VendorSource:
    return VendorSource(base_url=vendor.url, api_key="k-123", timeout=timeout)


pytestmark = pytest.mark.django_db


def test_vendor_quotes_are_read_with_the_api_key(vendor, aapl):
    vendor.answer("vendor_quotes_ok.json")
    quotes = source(vendor).fetch(build_universe(at=AT))
    assert [(q.kind, q.key, q.price) for q in quotes] == [
        ("security", aapl.security.isin, Decimal("229.87"))
    ]
    assert quotes[0].time == dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
    path, headers = vendor.requests[0]
    assert path == "/v1/quotes?symbols=AAPL"
    assert headers["Authorization"] == "Bearer k-123"


def test_json_number_price_keeps_its_digits(vendor, aapl):
    vendor.answer("vendor_quotes_later.json")
    (q,) = source(vendor).fetch(build_universe(at=AT))
    assert q.price == Decimal("230.15")


@pytest.mark.parametrize(
    ("answer", "status", "delay", "error"),
    [
        ("vendor_quotes_ok.json", 500, 0, "HTTP 500"),
        ("vendor_garbage.html", 200, 0, "not JSON"),
        ("vendor_quotes_bad_row.json", 200, 0, "quotes[1] (AAPL): price 'NaN'"),
        ("vendor_quotes_ok.json", 200, 1.5, "Timeout"),
    ],
)
def test_failing_vendor_raises_a_clear_error(vendor, aapl, answer, status, delay, error):
    vendor.answer(answer, status=status, delay=delay)
    with pytest.raises(PriceSourceError, match=re.escape(error)):
        source(vendor, timeout=0.5).fetch(build_universe(at=AT))


@pytest.mark.parametrize(
    ("answer", "status", "delay"),
    [
        ("vendor_quotes_ok.json", 503, 0),
        ("vendor_garbage.html", 200, 0),
        ("vendor_quotes_bad_row.json", 200, 0),
        ("vendor_quotes_ok.json", 200, 1.5),
    ],
)
def test_failing_vendor_never_blanks_the_last_good_price(vendor, aapl, answer, status, delay):
    vendor.answer("vendor_quotes_ok.json")
    good = sync_prices(sources=[source(vendor, timeout=0.5)], at=AT)
    assert good.counts["vendor"]["published"] == 1
    vendor.answer(answer, status=status, delay=delay)
    bad = sync_prices(sources=[source(vendor, timeout=0.5)], at=AT + dt.timedelta(minutes=1))
    assert "vendor" in bad.errors
    assert Quote.objects.filter(security=aapl.security).count() == 1
    price = token_price(aapl, now=AT + dt.timedelta(minutes=30))
    assert price.underlying_price == Decimal("229.87")
    # Past the vendor's allowed age (15 min) the last good price shows as stale, not live.
    assert price.underlying_stale
    run = JobRun.objects.filter(job="sync_prices").first()
    assert run.status == JobRun.Status.FAILED and "vendor" in run.error


def test_vendor_source_from_settings(settings, vendor, aapl):
    settings.MARKETS_SOURCES = ["vendor"]
    settings.MARKETS_VENDOR_URL = vendor.url
    settings.MARKETS_VENDOR_API_KEY = "from-env"
    vendor.answer("vendor_quotes_ok.json")
    result = sync_prices(at=AT)
    assert result.counts == {"vendor": {"published": 1, "held": 0, "skipped": 0, "unknown": 0}}
    assert vendor.requests[0][1]["Authorization"] == "Bearer from-env"


def test_venue_prices_tokens_by_symbol(vendor, aapl):
    from apps.markets.sources import VenueSource

    vendor.body = (
        b'{"quotes": [{"symbol": "AAPLx", "price": "229.91", "time": "2026-11-24T15:02:00Z"}]}'
    )
    venue = VenueSource(base_url=vendor.url, timeout=2)
    result = sync_prices(sources=[venue], at=AT)
    assert result.counts["venue"]["published"] == 1
    assert vendor.requests[0][0] == "/v1/quotes?symbols=AAPLx"
    assert "Authorization" not in vendor.requests[0][1]
    assert token_price(aapl, now=AT).price == Decimal("229.91")


def test_a_crash_marks_the_sync_run_failed_and_frees_the_lock(aapl, monkeypatch):
    from unittest import mock

    from apps.markets import services

    class Broken:
        name = "broken"
        max_age = dt.timedelta(minutes=1)

        def fetch(self, universe):
            return [PriceQuote("token", "AAPLx", Decimal(1), AT, "simulator", self.max_age)]

    with (
        mock.patch.object(
            services.recording, "update_bars", autospec=True, side_effect=RuntimeError("disk")
        ),
        pytest.raises(RuntimeError),
    ):
        sync_prices(sources=[Broken()], at=AT)
    run = JobRun.objects.get(job="sync_prices")
    assert run.status == JobRun.Status.FAILED and "disk" in run.error
    assert not Quote.objects.exists()  # the batch rolled back
    assert sync_prices(sources=[], at=AT).errors == {}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),  # would overflow the C stack
        (b'{"quotes": [' + b'{"symbol": "X"},' * 400_000 + b"{}]}", "larger than"),
    ],
)
def test_hostile_vendor_answers_are_refused(vendor, aapl, body, error):
    vendor.body = body
    with pytest.raises(PriceSourceError, match=error):
        source(vendor).fetch(build_universe(at=AT))


def test_a_key_in_the_vendor_url_is_never_stored(settings, vendor, aapl):
    keyed = vendor.url.replace("http://", "http://user:S3cretPass@") + "/K3yInPath0123"
    settings.MARKETS_VENDOR_URL = keyed
    vendor.answer("vendor_quotes_ok.json", status=503)
    sync_prices(sources=[VendorSource(base_url=keyed, api_key="k", timeout=1)], at=AT)
    run = JobRun.objects.get(job="sync_prices")
    assert run.status == JobRun.Status.FAILED
    assert "S3cretPass" not in run.error and "K3yInPath0123" not in run.error
