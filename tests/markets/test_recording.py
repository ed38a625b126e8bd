from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.markets.models import Bar, Quote
from apps.markets.selectors import token_price
from apps.markets.services import compact_history, record_quotes, review_quote
from tests.markets.conftest import price_token, quote

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)  # a Tuesday, NYSE open


def test_quote_is_published_with_exact_decimal(aapl):
    result = price_token(aapl, price="229.123456789", underlying="229.5", at=T0)
    assert len(result.published) == 2 and not result.held
    stored = Quote.objects.get(token=aapl)
    assert stored.price == Decimal("229.123456789")
    assert stored.status == Quote.Status.PUBLISHED


def test_same_quote_twice_is_recorded_once(aapl):
    price_token(aapl, price="229", at=T0)
    again = price_token(aapl, price="229", at=T0)
    assert again.skipped == 1 and not again.published
    assert Quote.objects.count() == 1


def test_tick_beyond_band_is_held_and_not_published(aapl, settings):
    settings.MARKETS_JUMP_BAND_BPS = 1000
    price_token(aapl, price="200", at=T0)
    jump = price_token(aapl, price="260", at=T0 + dt.timedelta(minutes=1))
    assert len(jump.held) == 1
    held = Quote.objects.get(status=Quote.Status.HELD)
    assert "3000.00 bps" in held.note and "1000 bps band" in held.note
    now = T0 + dt.timedelta(minutes=2)
    assert token_price(aapl, now=now).price == Decimal("200")
    # The held tick is not the reference: a later normal tick is judged against 200.
    normal = price_token(aapl, price="201", at=T0 + dt.timedelta(minutes=2))
    assert len(normal.published) == 1
    assert token_price(aapl, now=now).price == Decimal("201")


def test_tick_within_band_is_published(aapl, settings):
    settings.MARKETS_JUMP_BAND_BPS = 1000
    price_token(aapl, price="200", at=T0)
    result = price_token(aapl, price="219.99", at=T0 + dt.timedelta(minutes=1))
    assert len(result.published) == 1


def test_reviewer_can_publish_a_held_tick(aapl):
    price_token(aapl, price="200", at=T0)
    price_token(aapl, price="400", at=T0 + dt.timedelta(minutes=1))
    held = Quote.objects.get(status=Quote.Status.HELD)
    review_quote(quote=held, publish=True)
    assert token_price(aapl, now=T0 + dt.timedelta(minutes=1)).price == Decimal("400")
    with pytest.raises(ValueError, match="not held"):
        review_quote(quote=held, publish=False)


def test_bad_price_is_refused_and_nothing_recorded(aapl):
    with pytest.raises(ValueError, match="not positive"):
        record_quotes(
            quotes=[quote(aapl, "229", T0), quote(aapl, "-1", T0 + dt.timedelta(seconds=1))]
        )
    assert Quote.objects.count() == 0


def test_unknown_subject_is_reported_not_recorded(aapl):
    result = record_quotes(quotes=[quote("NOPEx", "1", T0)])
    assert result.unknown == ["token NOPEx"]
    assert Quote.objects.count() == 0


def test_bars_keep_open_high_low_close_at_every_interval(aapl):
    for i, p in enumerate(["100", "102", "99", "101"]):
        price_token(aapl, price=p, at=T0 + dt.timedelta(seconds=10 * i))
    price_token(aapl, price="101.5", at=T0 + dt.timedelta(minutes=1))
    minute = Bar.objects.get(token=aapl, interval="1m", start=T0)
    assert (minute.open, minute.high, minute.low, minute.close, minute.count) == (
        Decimal(100),
        Decimal(102),
        Decimal(99),
        Decimal(101),
        4,
    )
    hour = Bar.objects.get(token=aapl, interval="1h")
    assert (hour.open, hour.close, hour.count) == (Decimal(100), Decimal("101.5"), 5)
    day = Bar.objects.get(token=aapl, interval="1d")
    assert day.start == dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    assert (day.high, day.low) == (Decimal(102), Decimal(99))


def test_compaction_keeps_a_day_of_minutes_a_month_of_hours_and_all_days(aapl, settings):
    settings.MARKETS_QUOTE_RETENTION_SECONDS = 3600
    start = T0 - dt.timedelta(days=40)
    for day in range(40):
        for minute in (0, 1, 61):
            at = start + dt.timedelta(days=day, minutes=minute)
            price_token(aapl, price=str(100 + day), at=at)
    price_token(aapl, price="150", at=T0)
    # Minute bars written before write-through existed still roll up into hours.
    Bar.objects.filter(interval="1h", start__lt=T0 - dt.timedelta(days=35)).delete()
    counts = compact_history(now=T0)
    assert counts["minute_bars_dropped"] > 0 and counts["hourly_bars_dropped"] > 0
    assert counts["hourly_bars_rolled_up"] > 0
    assert not Bar.objects.filter(interval="1m", start__lt=T0 - dt.timedelta(days=1)).exists()
    assert not Bar.objects.filter(interval="1h", start__lt=T0 - dt.timedelta(days=31)).exists()
    assert Bar.objects.filter(interval="1d").count() == 41
    oldest_day = Bar.objects.filter(interval="1d").first()
    assert oldest_day.open == Decimal(100) and oldest_day.count == 3
    # Old quotes go; the newest per subject and source stays.
    assert Quote.objects.filter(token=aapl).count() == 1
    assert Quote.objects.get(token=aapl).price == Decimal(150)


def test_compaction_keeps_held_quotes(aapl):
    price_token(aapl, price="100", at=T0 - dt.timedelta(days=3))
    price_token(aapl, price="500", at=T0 - dt.timedelta(days=2))
    price_token(aapl, price="101", at=T0 - dt.timedelta(days=1))
    compact_history(now=T0)
    assert Quote.objects.filter(status=Quote.Status.HELD).count() == 1
