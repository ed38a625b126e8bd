"""History: 1-minute bars rolled into hours, hours into days; old quotes dropped."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.markets.models import Bar, OracleReport, Quote
from apps.markets.services.recording import _floor, _subject_key

log = logging.getLogger("apps.markets.services")

MINUTE_RETENTION = dt.timedelta(days=1)
HOUR_RETENTION = dt.timedelta(days=31)


def _roll_up(*, finer: str, coarser: str, before: dt.datetime) -> tuple[int, int]:
    """Make sure every `finer` bar older than `before` is in a `coarser` bar, then drop it."""
    old = list(Bar.objects.filter(interval=finer, start__lt=before).order_by("start"))
    if not old:
        return 0, 0
    groups: dict[tuple[str, int, dt.datetime], list[Bar]] = defaultdict(list)
    for bar in old:
        groups[(*_subject_key(bar), _floor(bar.start, coarser))].append(bar)
    have = {
        (*_subject_key(bar), bar.start)
        for bar in Bar.objects.filter(interval=coarser, start__in={k[2] for k in groups})
    }
    missing = [
        Bar(
            **{f"{key[0]}_id": key[1]},
            interval=coarser,
            start=key[2],
            open=bars[0].open,
            high=max(b.high for b in bars),
            low=min(b.low for b in bars),
            close=bars[-1].close,
            count=sum(b.count for b in bars),
            last_time=bars[-1].last_time,
        )
        for key, bars in groups.items()
        if key not in have
    ]
    Bar.objects.bulk_create(missing, ignore_conflicts=True)
    deleted, _ = Bar.objects.filter(pk__in=[b.pk for b in old]).delete()
    return len(missing), deleted


@transaction.atomic
def compact_history(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Roll 1-minute bars older than a day into hourly ones and hourly bars older than a
    month into daily ones, then drop the finer bars; drop published and rejected quotes
    older than the quote retention, except the newest of each subject and source, and
    Data Streams reports older than it, except each feed's newest. Held quotes stay until
    reviewed."""
    now = now or timezone.now()
    hours_made, minutes_dropped = _roll_up(
        finer=Bar.Interval.MINUTE, coarser=Bar.Interval.HOUR, before=now - MINUTE_RETENTION
    )
    days_made, hours_dropped = _roll_up(
        finer=Bar.Interval.HOUR, coarser=Bar.Interval.DAY, before=now - HOUR_RETENTION
    )
    keep = Quote.objects.values("security_id", "token_id", "source").annotate(newest=Max("pk"))
    keep_ids = [row["newest"] for row in keep]
    cutoff = now - dt.timedelta(seconds=settings.MARKETS_QUOTE_RETENTION_SECONDS)
    quotes_dropped, _ = (
        Quote.objects.filter(received_at__lt=cutoff)
        .exclude(status=Quote.Status.HELD)
        .exclude(pk__in=keep_ids)
        .delete()
    )
    # Data Streams reports: the same retention; each feed's latest report stays.
    newest_reports = OracleReport.objects.values("price_feed_id").annotate(newest=Max("pk"))
    reports_dropped, _ = (
        OracleReport.objects.filter(received_at__lt=cutoff)
        .exclude(pk__in=[row["newest"] for row in newest_reports])
        .delete()
    )
    return {
        "hourly_bars_rolled_up": hours_made,
        "minute_bars_dropped": minutes_dropped,
        "daily_bars_rolled_up": days_made,
        "hourly_bars_dropped": hours_dropped,
        "quotes_dropped": quotes_dropped,
        "oracle_reports_dropped": reports_dropped,
    }
