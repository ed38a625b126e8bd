from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.core.formatting import (
    decimal_text,
    grouped_text,
    money_text,
    parse_since,
    percent_text,
    scaled_text,
    signed_text,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1.020000000000000000"), "1.02"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-0.000"), "0"),
        (Decimal("0.000000000000000001"), "0.000000000000000001"),
        # 48 digits: more than the default decimal context keeps, every one kept here.
        (
            Decimal("123456789012345678901234567890.123456789012345678"),
            "123456789012345678901234567890.123456789012345678",
        ),
        ("2.50", "2.5"),
        (7, "7"),
        (None, None),
    ],
)
def test_decimal_text_keeps_every_digit_in_plain_notation(value, text):
    assert decimal_text(value) == text


def test_scaled_amounts_are_exact_for_uint256():
    raw = Decimal(2**256 - 1)
    assert scaled_text(raw, 18) == (
        "115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    )
    assert scaled_text(Decimal(1500000000000000000), 18) == "1.5"


def test_page_formats():
    assert grouped_text(Decimal("17059629.373761540000")) == "17,059,629.37376154"
    assert grouped_text(None) == "—"
    assert money_text(Decimal("228.5")) == "228.50"
    assert money_text(Decimal("0.000123")) == "0.000123"
    assert money_text(Decimal("1234.5678"), 2) == "1,234.57"
    assert percent_text(Decimal("1.0004")) == "100.04 %"
    assert signed_text(Decimal("1234.5")) == "+1,234.5" and signed_text(Decimal("-2")) == "-2"


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024-02-29", dt.datetime(2024, 2, 29, tzinfo=UTC)),
        ("2024-01-01T10:00:00Z", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01T10:00:00.5+01:00", dt.datetime(2024, 1, 1, 9, 0, 0, 500000, tzinfo=UTC)),
        ("2024-01-01T10:00:00-05:30", dt.datetime(2024, 1, 1, 15, 30, tzinfo=UTC)),
        # An unencoded "+" arrives as a space.
        ("2024-01-01T10:00:00 01:00", dt.datetime(2024, 1, 1, 9, tzinfo=UTC)),
        # Outside what a datetime holds once in UTC: clamped, the same rows selected.
        ("0001-01-01T00:00:00+01:00", dt.datetime.min.replace(tzinfo=UTC)),
        ("9999-12-31T23:59:00-01:00", dt.datetime.max.replace(tzinfo=UTC)),
        (None, None),
    ],
)
def test_parse_since_reads_dates_and_rfc3339_date_times(text, moment):
    assert parse_since(text) == moment


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2024-02-30", "no such date"),
        ("2024-01-01T25:00:00Z", "no such time of day"),
        ("2024-01-01T10:00:00+99:00", "no such UTC offset"),
        ("2024-01-01T10:00", "is not a date"),  # no seconds, no offset: not RFC 3339
        ("yesterday", "is not a date"),
        ("", "is not a date"),
        ("\uff12\uff10\uff12\uff14-01-01", "is not a date"),  # full-width digits
        ("9" * 500, "longer than 64 characters"),
    ],
)
def test_parse_since_refuses_with_a_short_reason(text, reason):
    with pytest.raises(ValueError, match=reason) as refused:
        parse_since(text)
    assert len(str(refused.value)) < 300
