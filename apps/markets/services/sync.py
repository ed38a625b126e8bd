"""Syncing prices: ask every configured source once and record what each answered."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.catalog.models import Security, Token
from apps.core.models import JobRun
from apps.core.redaction import REDACTED, scrub
from apps.markets.datastreams import DataStreamsClient, DataStreamsError
from apps.markets.models import Quote
from apps.markets.services.oracle_reports import record_reports
from apps.markets.services.recording import record_quotes
from apps.markets.sources import (
    DataStreamsSource,
    OracleSource,
    PriceSource,
    PriceSourceError,
    SecurityRef,
    SimulatorSource,
    TokenRef,
    Universe,
    VendorSource,
    VenueSource,
    load_reference_closes,
    security_key,
)

log = logging.getLogger("apps.markets.services")

SYNC_LOCK_KEY = "markets:sync-lock"
SYNC_LOCK_SECONDS = 120  # longer than any sync; released at the end of a run


def configured_sources() -> list[PriceSource]:
    """The sources named in MARKETS_SOURCES, configured from settings."""
    sources: list[PriceSource] = []
    for name in settings.MARKETS_SOURCES:
        if name == "simulator":
            sources.append(
                SimulatorSource(
                    seed=settings.MARKETS_SIMULATOR_SEED,
                    reference=load_reference_closes(settings.MARKETS_REFERENCE_PRICES_PATH),
                )
            )
        elif name == "oracle":
            sources.append(OracleSource())
        elif name == "datastreams":
            sources.append(datastreams_source())
        elif name in {"vendor", "venue"}:
            prefix = f"MARKETS_{name.upper()}"
            url = getattr(settings, f"{prefix}_URL")
            if not url:
                raise ImproperlyConfigured(f"{prefix}_URL must be set to use the {name} source")
            cls = VendorSource if name == "vendor" else VenueSource
            sources.append(
                cls(
                    base_url=url,
                    api_key=getattr(settings, f"{prefix}_API_KEY"),
                    timeout=settings.MARKETS_HTTP_TIMEOUT_SECONDS,
                    max_age=dt.timedelta(seconds=getattr(settings, f"{prefix}_MAX_AGE_SECONDS")),
                )
            )
        else:
            raise ImproperlyConfigured(f"MARKETS_SOURCES: unknown price source {name!r}")
    return sources


def datastreams_source() -> DataStreamsSource:
    """The Chainlink Data Streams source configured from MARKETS_DATASTREAMS_* settings."""
    missing = [
        f"MARKETS_DATASTREAMS_{name}"
        for name in ("URL", "API_KEY", "API_SECRET")
        if not getattr(settings, f"MARKETS_DATASTREAMS_{name}")
    ]
    if missing:
        raise ImproperlyConfigured(f"{', '.join(missing)} must be set to use datastreams")
    try:
        client = DataStreamsClient(
            base_url=settings.MARKETS_DATASTREAMS_URL,
            client_id=settings.MARKETS_DATASTREAMS_API_KEY,
            secret=settings.MARKETS_DATASTREAMS_API_SECRET,
            timeout=settings.MARKETS_HTTP_TIMEOUT_SECONDS,
            signers=frozenset(settings.MARKETS_DATASTREAMS_SIGNERS),
            min_signatures=settings.MARKETS_DATASTREAMS_MIN_SIGNATURES,
        )
    except DataStreamsError as exc:
        raise ImproperlyConfigured(f"MARKETS_DATASTREAMS_*: {exc}") from exc
    return DataStreamsSource(
        client=client,
        max_age=dt.timedelta(seconds=settings.MARKETS_DATASTREAMS_MAX_AGE_SECONDS),
        demo=settings.MARKETS_DATASTREAMS_DEMO,
    )


MIN_CREDENTIAL_CHARS = 8  # shorter "credentials" are not looked for in messages


def _scrub(text: str) -> str:
    """An error message without what it must not show: the keys vendor, venue and Data
    Streams URLs may carry, and the Data Streams credentials (never put in a message by
    the client; removed here should a library echo one)."""
    urls = (
        settings.MARKETS_VENDOR_URL,
        settings.MARKETS_VENUE_URL,
        settings.MARKETS_DATASTREAMS_URL,
    )
    text = scrub(text, urls=urls)
    credentials = (settings.MARKETS_DATASTREAMS_API_KEY, settings.MARKETS_DATASTREAMS_API_SECRET)
    for credential in credentials:
        if len(credential) >= MIN_CREDENTIAL_CHARS:
            text = text.replace(credential, REDACTED)
    return text


def build_universe(*, at: dt.datetime | None = None) -> Universe:
    """Every security with a token, every token, with their last published prices."""
    at = at or timezone.now()
    newest = Quote.objects.filter(status=Quote.Status.PUBLISHED).order_by("-time")
    securities = (
        Security.objects.filter(tokens__isnull=False)
        .distinct()
        .annotate(last=Subquery(newest.filter(security=OuterRef("pk")).values("price")[:1]))
        .order_by("isin", "ticker")
    )
    tokens = (
        Token.objects.exclude(status=Token.Status.DELISTED)
        .select_related("security")
        .annotate(last=Subquery(newest.filter(token=OuterRef("pk")).values("price")[:1]))
        .order_by("symbol")
    )

    def dec(value: object) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return Universe(
        securities=tuple(
            SecurityRef(
                isin=security_key(s.isin, s.ticker), ticker=s.ticker, last_price=dec(s.last)
            )
            for s in securities
        ),
        tokens=tuple(
            TokenRef(
                symbol=t.symbol,
                isin=security_key(t.security.isin, t.security.ticker),
                multiplier=t.multiplier,
                last_price=dec(t.last),
            )
            for t in tokens
        ),
        at=at,
    )


@dataclass
class SyncResult:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def sync_prices(
    *, sources: Sequence[PriceSource] | None = None, at: dt.datetime | None = None
) -> SyncResult:
    """Ask every source and record what each answered; a failing source records nothing
    (its last good prices stay) and its error is kept on the JobRun."""
    sources = configured_sources() if sources is None else sources
    if not cache.add(SYNC_LOCK_KEY, 1, timeout=SYNC_LOCK_SECONDS):
        log.info("sync_prices already running; skipped")
        return SyncResult(errors={"sync": "already running"})
    try:
        return _sync(sources, at)
    finally:
        cache.delete(SYNC_LOCK_KEY)


def _sync(sources: Sequence[PriceSource], at: dt.datetime | None) -> SyncResult:
    run = JobRun.start(job="sync_prices")
    result = SyncResult()
    try:
        universe = build_universe(at=at)
        for source in sources:
            try:
                quotes = source.fetch(universe)
            except PriceSourceError as exc:
                message = _scrub(str(exc))
                log.warning("price source %s failed: %s", source.name, message)
                result.errors[source.name] = message
                continue
            with transaction.atomic():
                counts = record_quotes(quotes=quotes).counts()
                if isinstance(source, DataStreamsSource):
                    counts["reports"] = record_reports(reports=source.reports, demo=source.demo)
            result.counts[source.name] = counts
            if isinstance(source, DataStreamsSource) and source.failures:
                # The other feeds were recorded; these keep their last good values.
                message = _scrub("; ".join(source.failures.values()))
                log.warning("price source %s failed for some feeds: %s", source.name, message)
                result.errors[source.name] = message
    except Exception as exc:
        run.status = JobRun.Status.FAILED
        run.error = _scrub(f"{type(exc).__name__}: {exc}")
        raise
    else:
        run.error = _scrub("\n".join(f"{name}: {err}" for name, err in result.errors.items()))
        run.status = JobRun.Status.FAILED if result.errors else JobRun.Status.OK
    finally:
        run.finished_at = timezone.now()
        run.counts = result.counts
        run.save(update_fields=["finished_at", "counts", "error", "status"])
    return result
