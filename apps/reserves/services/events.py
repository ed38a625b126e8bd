"""The public event log: what a reader following a token (feeds, e-mail subscriptions) is
told. Every writer goes through `record_events`, which is idempotent by each event's natural
key, so a retried task or a second worker adds nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import translation

from apps.catalog.models import Token
from apps.core import cache_versions
from apps.core.formatting import decimal_text
from apps.reserves.models import Alert, Attestation, PublicEvent
from apps.reserves.signals import public_events_recorded

EVENTS_VERSION_KEY = "reserves:events:version"
BATCH = 500  # events per INSERT


def events_version() -> int:
    """A number that changes whenever an event is recorded (feeds put it in their keys)."""
    return cache_versions.current(EVENTS_VERSION_KEY)


def record_events(*, events: Sequence[PublicEvent]) -> list[int]:
    """Store the events whose key is new; returns the ids of those created.

    After commit the events cache version is bumped and `public_events_recorded` is sent
    with the new ids.
    """
    if not events:
        return []
    keys = [e.key for e in events]
    with transaction.atomic():
        existing = set(PublicEvent.objects.filter(key__in=keys).values_list("key", flat=True))
        PublicEvent.objects.bulk_create(
            [e for e in events if e.key not in existing], batch_size=BATCH, ignore_conflicts=True
        )
        created = list(
            PublicEvent.objects.filter(key__in=set(keys) - existing).values_list("pk", flat=True)
        )
        if created:

            def announce() -> None:
                cache_versions.bump(EVENTS_VERSION_KEY)
                public_events_recorded.send(sender=PublicEvent, event_ids=created)

            transaction.on_commit(announce)
    return created


def _alert_data(alert: Alert) -> dict[str, object]:
    return {
        "alert_id": alert.pk,
        "condition": alert.condition,
        "snapshot_id": alert.snapshot_id,
        "raised_at": alert.raised_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
    }


@translation.override(settings.LANGUAGE_CODE)  # records: written in English, whoever asks
def alert_events(*, raised: Iterable[Alert] = (), cleared: Iterable[Alert] = ()) -> list[int]:
    """Events for alerts just raised and just resolved (select_related("token") on both)."""
    events = [
        PublicEvent(
            key=f"alert:{a.pk}:raised",
            kind=PublicEvent.Kind.ALERT_RAISED,
            condition=a.condition,
            token=a.token,
            issuer_id=a.token.issuer_id,
            title=f"{a.token.symbol}: {a.get_condition_display()}",
            body=a.message,
            occurred_at=a.raised_at,
            data=_alert_data(a),
        )
        for a in raised
    ]
    events += [
        PublicEvent(
            key=f"alert:{a.pk}:cleared",
            kind=PublicEvent.Kind.ALERT_CLEARED,
            condition=a.condition,
            token=a.token,
            issuer_id=a.token.issuer_id,
            title=f"{a.token.symbol}: {a.get_condition_display()} cleared",
            body=f"Cleared: {a.message}",
            occurred_at=a.resolved_at,
            data=_alert_data(a),
        )
        for a in cleared
    ]
    return record_events(events=events)


def multiplier_change_event(
    *,
    token: Token,
    chain_slug: str,
    before: Decimal | None,
    after: Decimal,
    block_number: int | None,
    observed_at: dt.datetime,
) -> list[int]:
    """A chain reported a new multiplier for the token (a split, a dividend, a correction)."""
    was = "none" if before is None else decimal_text(before)
    now_text = decimal_text(after)
    return record_events(
        events=[
            PublicEvent(
                key=f"multiplier:{token.pk}:{chain_slug}:{now_text}:{block_number}",
                kind=PublicEvent.Kind.MULTIPLIER_CHANGED,
                token=token,
                issuer_id=token.issuer_id,
                title=f"{token.symbol}: multiplier on {chain_slug} {was} -> {now_text}",
                body=(
                    f"The {token.symbol} multiplier read on {chain_slug} changed from {was} to "
                    f"{now_text}" + (f" at block {block_number}." if block_number else ".")
                ),
                occurred_at=observed_at,
                data={
                    "chain": chain_slug,
                    "before": None if before is None else decimal_text(before),
                    "after": now_text,
                    "block_number": block_number,
                },
            )
        ]
    )


def multiplier_change_events(*, token_ids: Sequence[int]) -> list[int]:
    """A public event for every deployment of these tokens whose latest supply reading
    reports another multiplier than the reading before it (a split the chain applied, a
    dividend, a correction). Two queries; idempotent by the event key."""
    from django.db.models import OuterRef, Subquery

    from apps.catalog.models import Deployment
    from apps.chains.models import SupplyObservation

    newest = SupplyObservation.objects.filter(deployment=OuterRef("pk")).order_by(
        "-observed_at", "-block_number"
    )
    pairs = list(
        Deployment.objects.filter(token_id__in=list(token_ids))
        .annotate(
            latest_id=Subquery(newest.values("pk")[:1]),
            previous_id=Subquery(newest.values("pk")[1:2]),
        )
        .filter(previous_id__isnull=False)
        .select_related("token", "chain")
    )
    if not pairs:
        return []
    rows = SupplyObservation.objects.in_bulk(
        [d.latest_id for d in pairs] + [d.previous_id for d in pairs]
    )
    created: list[int] = []
    for d in pairs:
        latest, previous = rows[d.latest_id], rows[d.previous_id]
        if latest.multiplier is None or latest.multiplier == previous.multiplier:
            continue
        created += multiplier_change_event(
            token=d.token,
            chain_slug=d.chain.slug,
            before=previous.multiplier,
            after=latest.multiplier,
            block_number=latest.block_number,
            observed_at=latest.observed_at,
        )
    return created


def statement_events(*, statement_ids: Sequence[int]) -> list[int]:
    """One event per custodian statement imported (issuer-wide: it covers every token)."""
    from apps.custody.models import HoldingStatement

    statements = HoldingStatement.objects.filter(pk__in=list(statement_ids)).select_related(
        "account__custodian", "account__issuer"
    )
    return record_events(
        events=[
            PublicEvent(
                key=f"statement:{s.pk}",
                kind=PublicEvent.Kind.STATEMENT,
                issuer_id=s.account.issuer_id,
                title=(
                    f"Statement {s.statement_id} of {s.account.custodian.name} "
                    f"({s.statement_date:%Y-%m-%d})"
                ),
                body=(
                    f"{s.account.custodian.name} reported the holdings of account "
                    f"{s.account.account_id} as of {s.statement_date.isoformat()} "
                    f"(SHA-256 {s.sha256})."
                ),
                occurred_at=s.imported_at,
                data={
                    "statement_pk": s.pk,
                    "statement_id": s.statement_id,
                    "custodian": s.account.custodian.slug,
                    "account": s.account.account_id,
                    "statement_date": s.statement_date.isoformat(),
                    "sha256": s.sha256,
                },
            )
            for s in statements
        ]
    )


def attestation_event(*, attestation: Attestation) -> list[int]:
    """An auditor's attestation was published on the site."""
    a = attestation
    subject = a.token.symbol if a.token_id else (a.issuer.name if a.issuer_id else "")
    return record_events(
        events=[
            PublicEvent(
                key=f"attestation:{a.pk}",
                kind=PublicEvent.Kind.ATTESTATION,
                token_id=a.token_id,
                issuer_id=a.issuer_id or (a.token.issuer_id if a.token_id else None),
                title=(
                    f"Attestation by {a.auditor} for {subject}, {a.period_start} to {a.period_end}"
                ),
                body=a.summary,
                occurred_at=dt.datetime.combine(a.date, dt.time(), tzinfo=dt.UTC),
                data={
                    "attestation_id": a.pk,
                    "auditor": a.auditor,
                    "period_start": a.period_start.isoformat(),
                    "period_end": a.period_end.isoformat(),
                    "url": a.document_url,
                    "sha256": a.sha256,
                },
            )
        ]
    )
