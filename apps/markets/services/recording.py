"""Recording quotes: publish or hold each tick, and keep the bars of published quotes."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from apps.catalog.models import Security, Token
from apps.markets.models import Bar, Quote
from apps.markets.services.cache import bump_price_version
from apps.markets.sources import (
    TICKER_KEY_PREFIX,
    PriceQuote,
    security_key,
)

log = logging.getLogger("apps.markets.services")

BPS = Decimal(10000)
INTERVALS = {
    Bar.Interval.MINUTE: dt.timedelta(minutes=1),
    Bar.Interval.HOUR: dt.timedelta(hours=1),
    Bar.Interval.DAY: dt.timedelta(days=1),
}


@dataclass
class RecordResult:
    published: list[Quote] = field(default_factory=list)
    held: list[Quote] = field(default_factory=list)
    skipped: int = 0  # not newer than what we have from that source
    unknown: list[str] = field(default_factory=list)  # keys we have no subject for

    def counts(self) -> dict[str, int]:
        return {
            "published": len(self.published),
            "held": len(self.held),
            "skipped": self.skipped,
            "unknown": len(self.unknown),
        }


def _floor(at: dt.datetime, interval: str) -> dt.datetime:
    at = at.astimezone(dt.UTC)
    if interval == Bar.Interval.MINUTE:
        return at.replace(second=0, microsecond=0)
    if interval == Bar.Interval.HOUR:
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def jump_bps(previous: Decimal, price: Decimal) -> Decimal:
    """Size of a move in basis points, always positive."""
    return abs(price / previous - 1) * BPS


def _last_published(kind: str, ids: Iterable[int], source: str) -> dict[int, tuple]:
    """(price, time) of the newest published quote from `source` per subject, in one query."""
    model = Security if kind == "security" else Token
    newest = Quote.objects.filter(
        **{kind: OuterRef("pk")}, source=source, status=Quote.Status.PUBLISHED
    ).order_by("-time")
    rows = (
        model.objects.filter(pk__in=list(ids))
        .annotate(
            last_price=Subquery(newest.values("price")[:1]),
            last_time=Subquery(newest.values("time")[:1]),
        )
        .values_list("pk", "last_price", "last_time")
    )
    out: dict[int, tuple] = {}
    for pk, price, at in rows:
        if price is not None:
            # ExactDecimalField reads back through from_db_value only on the model field.
            out[pk] = (Decimal(str(price)), at)
    return out


def _newest_any_status(kind: str, ids: Iterable[int], source: str) -> dict[int, dt.datetime]:
    rows = (
        Quote.objects.filter(**{f"{kind}_id__in": list(ids)}, source=source)
        .values_list(f"{kind}_id")
        .annotate(newest=Max("time"))
    )
    return dict(rows)


@transaction.atomic
def record_quotes(
    *,
    quotes: Sequence[PriceQuote],
    band_bps: Decimal | None = None,
    received_at: dt.datetime | None = None,
) -> RecordResult:
    """Record quotes from sources; publish them, or hold those that jump beyond the band.

    A quote not newer than the newest one already recorded for its subject and source is
    skipped, so asking a source twice records nothing twice. A jump is measured against
    the last *published* quote of the same subject and source: a held tick never becomes
    the reference. Published quotes update the 1-minute, hourly and daily bars.
    """
    band = Decimal(settings.MARKETS_JUMP_BAND_BPS if band_bps is None else band_bps)
    received_at = received_at or timezone.now()
    result = RecordResult()
    by_kind: dict[str, list[PriceQuote]] = defaultdict(list)
    for q in quotes:
        if q.price <= 0 or not q.price.is_finite():
            raise ValueError(f"{q.source} {q.key}: price {q.price} is not positive")
        if timezone.is_naive(q.time):
            raise ValueError(f"{q.source} {q.key}: time {q.time} has no time zone")
        by_kind[q.kind].append(q)

    subjects = {
        "security": _security_ids({q.key for q in by_kind["security"]})
        if by_kind["security"]
        else {},
        "token": dict(
            Token.objects.filter(symbol__in={q.key for q in by_kind["token"]}).values_list(
                "symbol", "pk"
            )
        )
        if by_kind["token"]
        else {},
    }
    rows: list[Quote] = []
    for kind, kind_quotes in by_kind.items():
        for source in {q.source for q in kind_quotes}:
            group = sorted((q for q in kind_quotes if q.source == source), key=lambda q: q.time)
            ids = {subjects[kind][q.key] for q in group if q.key in subjects[kind]}
            reference = _last_published(kind, ids, source)
            newest = _newest_any_status(kind, ids, source)
            for q in group:
                pk = subjects[kind].get(q.key)
                if pk is None:
                    result.unknown.append(f"{kind} {q.key}")
                    continue
                if pk in newest and q.time <= newest[pk]:
                    result.skipped += 1
                    continue
                newest[pk] = q.time
                status, note = Quote.Status.PUBLISHED, ""
                if pk in reference:
                    previous = reference[pk][0]
                    jump = jump_bps(previous, q.price)
                    if jump > band:
                        status = Quote.Status.HELD
                        note = (
                            f"jump of {jump.quantize(Decimal('0.01'))} bps from {previous} "
                            f"exceeds the {band} bps band"
                        )
                if status == Quote.Status.PUBLISHED:
                    reference[pk] = (q.price, q.time)
                quote = Quote(
                    **{f"{kind}_id": pk},
                    source=q.source,
                    price=q.price,
                    time=q.time,
                    received_at=received_at,
                    max_age_seconds=int(q.max_age.total_seconds()),
                    status=status,
                    note=note,
                )
                rows.append(quote)
                (result.published if status == Quote.Status.PUBLISHED else result.held).append(
                    quote
                )
    if result.unknown:
        log.warning("prices for unknown subjects ignored: %s", ", ".join(result.unknown[:20]))
    Quote.objects.bulk_create(rows)
    if result.published:
        update_bars(quotes=result.published)
        bump_price_version()
        transaction.on_commit(bump_price_version)
    return result


def _subject_key(q: Quote | Bar) -> tuple[str, int]:
    return ("token", q.token_id) if q.token_id else ("security", q.security_id)  # type: ignore[return-value]


def update_bars(*, quotes: Sequence[Quote]) -> int:
    """Fold published quotes into their 1-minute, hourly and daily bars; bars written."""
    written = 0
    for interval in INTERVALS:
        buckets: dict[tuple[str, int, dt.datetime], list[Quote]] = defaultdict(list)
        for q in sorted(quotes, key=lambda q: q.time):
            kind, pk = _subject_key(q)
            buckets[(kind, pk, _floor(q.time, interval))].append(q)
        starts = {key[2] for key in buckets}
        sec_ids = {key[1] for key in buckets if key[0] == "security"}
        tok_ids = {key[1] for key in buckets if key[0] == "token"}
        existing = {
            (*_subject_key(bar), bar.start): bar
            for bar in Bar.objects.select_for_update().filter(
                Q(security_id__in=sec_ids) | Q(token_id__in=tok_ids),
                interval=interval,
                start__in=starts,
            )
        }
        new: list[Bar] = []
        changed: list[Bar] = []
        for key, group in buckets.items():
            bar = existing.get(key)
            if bar is None:
                first = group[0]
                bar = Bar(
                    **{f"{key[0]}_id": key[1]},
                    interval=interval,
                    start=key[2],
                    open=first.price,
                    high=first.price,
                    low=first.price,
                    close=first.price,
                    count=0,
                    last_time=first.time,
                )
                new.append(bar)
            else:
                changed.append(bar)
            for q in group:
                bar.high = max(bar.high, q.price)
                bar.low = min(bar.low, q.price)
                if q.time >= bar.last_time:
                    bar.close, bar.last_time = q.price, q.time
                bar.count += 1
        Bar.objects.bulk_create(new)
        Bar.objects.bulk_update(changed, ["high", "low", "close", "count", "last_time"])
        written += len(new) + len(changed)
    return written


@transaction.atomic
def review_quote(*, quote: Quote, publish: bool) -> Quote:
    """A reviewer publishes a held quote (it becomes the price) or rejects it."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != Quote.Status.HELD:
        raise ValueError(f"quote {quote.pk} is {quote.status}, not held")
    quote.status = Quote.Status.PUBLISHED if publish else Quote.Status.REJECTED
    quote.save(update_fields=["status"])
    if publish:
        update_bars(quotes=[quote])
        bump_price_version()
        transaction.on_commit(bump_price_version)
    return quote


def _security_ids(keys: set[str]) -> dict[str, int]:
    """{quote key: security pk} in one query; keys are ISINs, or tickers of underlyings
    whose ISIN is not published (apps.markets.sources.security_key)."""
    tickers = {k.removeprefix(TICKER_KEY_PREFIX) for k in keys if k.startswith(TICKER_KEY_PREFIX)}
    isins = keys - {f"{TICKER_KEY_PREFIX}{t}" for t in tickers}
    rows = Security.objects.filter(
        Q(isin__in=isins) | Q(isin__isnull=True, ticker__in=tickers)
    ).values_list("isin", "ticker", "pk")
    return {security_key(isin, ticker): pk for isin, ticker, pk in rows}
