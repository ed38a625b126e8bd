"""NYSE market sessions from the exchange_calendars XNYS calendar (holidays, early closes).

Regular hours come from the calendar. The extended sessions are the ones US brokers run
around them on trading days only: pre-market from 04:00 New York time to the open, and
after-hours from the close (13:00 on early-close days) for four hours.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd
from django.utils import timezone
from django.utils.translation import pgettext_lazy

# exchange_calendars reads tz-aware pandas arrays through `.values`, which pandas now
# deprecates; the answers are right, the warning is noise in every log.
warnings.filterwarnings("ignore", message=r".*values returning an ndarray that drops timezone")

NEW_YORK = ZoneInfo("America/New_York")
PRE_MARKET_START = dt.time(4, 0)  # New York time
AFTER_HOURS_LENGTH = dt.timedelta(hours=4)
CALENDAR_HISTORY = dt.timedelta(days=400)  # how far back the calendar is built


class State(StrEnum):
    PRE_MARKET = "pre_market"
    REGULAR = "regular"
    AFTER_HOURS = "after_hours"
    CLOSED = "closed"


LABELS = {
    State.PRE_MARKET: pgettext_lazy("market session", "Pre-market"),
    State.REGULAR: pgettext_lazy("market session", "Open"),
    State.AFTER_HOURS: pgettext_lazy("market session", "After hours"),
    State.CLOSED: pgettext_lazy("market session", "Closed"),
}


@dataclass(frozen=True)
class MarketSession:
    state: State
    at: dt.datetime
    next_open: dt.datetime  # the next regular open strictly after `at`
    close: dt.datetime | None  # today's regular close, on a trading day
    holiday: bool  # a weekday that is not a trading day
    early_close: bool

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def is_open(self) -> bool:
        return self.state == State.REGULAR

    @property
    def trading(self) -> bool:
        """Any session in which the underlying trades (regular or extended)."""
        return self.state != State.CLOSED

    @property
    def until_open(self) -> dt.timedelta:
        return self.next_open - self.at


@functools.cache
def _calendar(year: int) -> xcals.ExchangeCalendar:
    # Built once per process and year; the calendar covers a year ahead of its build date.
    start = pd.Timestamp(dt.date(year, 1, 1) - CALENDAR_HISTORY)
    return xcals.get_calendar("XNYS", start=start)


def calendar(at: dt.datetime) -> xcals.ExchangeCalendar:
    return _calendar(at.year)


def _utc(ts: pd.Timestamp) -> dt.datetime:
    return ts.to_pydatetime().astimezone(dt.UTC)


def market_session(at: dt.datetime | None = None) -> MarketSession:
    """The NYSE session at `at` (default now), with the next regular open."""
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("market_session needs a timezone-aware datetime")
    cal = calendar(at)
    now = pd.Timestamp(at).tz_convert("UTC")
    minute = now.floor("min")
    next_open = _utc(cal.next_open(minute))
    if next_open <= at:  # `at` falls within the minute of an open
        next_open = _utc(cal.next_open(minute + pd.Timedelta(minutes=1)))
    local_day = at.astimezone(NEW_YORK).date()
    is_session = cal.is_session(pd.Timestamp(local_day))
    if not is_session:
        return MarketSession(
            state=State.CLOSED,
            at=at,
            next_open=next_open,
            close=None,
            holiday=local_day.weekday() < 5,
            early_close=False,
        )
    day = pd.Timestamp(local_day)
    open_ = _utc(cal.session_open(day))
    close = _utc(cal.session_close(day))
    early = pd.Timestamp(local_day) in cal.early_closes
    pre_start = dt.datetime.combine(local_day, PRE_MARKET_START, tzinfo=NEW_YORK)
    if open_ <= at < close:
        state = State.REGULAR
    elif pre_start <= at < open_:
        state = State.PRE_MARKET
    elif close <= at < close + AFTER_HOURS_LENGTH:
        state = State.AFTER_HOURS
    else:
        state = State.CLOSED
    return MarketSession(
        state=state, at=at, next_open=next_open, close=close, holiday=False, early_close=early
    )
