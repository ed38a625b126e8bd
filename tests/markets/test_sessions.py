from __future__ import annotations

import datetime as dt

import pytest

from apps.markets.sessions import NEW_YORK, State, market_session


def ny(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


def test_saturday_is_closed_until_monday_open():
    session = market_session(ny(2026, 11, 28, 12, 0))
    assert session.state == State.CLOSED
    assert not session.holiday
    assert session.next_open == ny(2026, 11, 30, 9, 30)


def test_thanksgiving_is_a_closed_holiday_and_opens_friday():
    session = market_session(ny(2026, 11, 26, 11, 0))
    assert session.state == State.CLOSED
    assert session.holiday
    assert session.next_open == ny(2026, 11, 27, 9, 30)


def test_christmas_holiday_opens_on_the_monday_after():
    # 25 December 2026 is a Friday: the next open is Monday 28 December.
    session = market_session(ny(2026, 12, 25, 10, 0))
    assert session.state == State.CLOSED and session.holiday
    assert session.next_open == ny(2026, 12, 28, 9, 30)


def test_day_after_thanksgiving_closes_early_with_after_hours_from_one():
    assert market_session(ny(2026, 11, 27, 12, 59)).state == State.REGULAR
    early = market_session(ny(2026, 11, 27, 13, 30))
    assert early.state == State.AFTER_HOURS
    assert early.early_close
    assert early.close == ny(2026, 11, 27, 13, 0)
    assert market_session(ny(2026, 11, 27, 17, 30)).state == State.CLOSED


@pytest.mark.parametrize(
    ("at", "state"),
    [
        (ny(2026, 11, 24, 3, 59), State.CLOSED),
        (ny(2026, 11, 24, 4, 0), State.PRE_MARKET),
        (ny(2026, 11, 24, 9, 29), State.PRE_MARKET),
        (ny(2026, 11, 24, 9, 30), State.REGULAR),
        (ny(2026, 11, 24, 15, 59), State.REGULAR),
        (ny(2026, 11, 24, 16, 0), State.AFTER_HOURS),
        (ny(2026, 11, 24, 19, 59), State.AFTER_HOURS),
        (ny(2026, 11, 24, 20, 0), State.CLOSED),
    ],
)
def test_sessions_of_an_ordinary_tuesday(at, state):
    assert market_session(at).state == state


def test_next_open_during_regular_hours_is_the_next_day():
    session = market_session(ny(2026, 11, 24, 10, 0))
    assert session.is_open
    assert session.next_open == ny(2026, 11, 25, 9, 30)


def test_summer_time_is_followed():
    # In July New York is UTC-4: the open is 13:30 UTC.
    session = market_session(dt.datetime(2026, 7, 7, 13, 31, tzinfo=dt.UTC))
    assert session.state == State.REGULAR


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        market_session(dt.datetime(2026, 11, 24, 10, 0))  # noqa: DTZ001
