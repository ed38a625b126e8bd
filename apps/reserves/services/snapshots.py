"""Storing snapshots of the backing: a new row only when something changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Token
from apps.reserves.computation import compute_backing
from apps.reserves.inputs import load_inputs
from apps.reserves.models import Alert, ReserveSnapshot

from .alerts import alert_message
from .cache import bump_reserves_version
from .email import email_alerts
from .events import alert_events
from .oracle import add_oracle_conditions

BATCH = 500  # snapshots per INSERT; ~1,000 tokens in two statements


def compute_snapshots(
    *, tokens: Iterable[Token], now: dt.datetime | None = None
) -> list[ReserveSnapshot]:
    """Compute and store the backing of many tokens in a fixed number of queries.

    A token whose figures, status and provenance are unchanged since its latest snapshot
    gets no new row, only a new `checked_at`; any change writes a new row, so the history
    shows every change. Alerts are raised and resolved to match, and new ones e-mailed once.
    """
    now = now or timezone.now()
    tokens = list(tokens)
    if not tokens:
        return []
    inputs = load_inputs(tokens)
    backings = [compute_backing(token=t, inputs=inputs, now=now) for t in tokens]
    add_oracle_conditions(backings=backings, now=now)
    token_ids = [t.pk for t in tokens]
    # Provenance is not needed to compare fingerprints; it loads lazily if a caller reads it.
    latest = {
        s.token_id: s for s in ReserveSnapshot.objects.latest_for(token_ids).defer("provenance")
    }
    open_alerts = {
        (a.token_id, a.condition): a
        for a in Alert.objects.filter(token_id__in=token_ids, resolved_at__isnull=True)
    }
    result: list[ReserveSnapshot] = []
    new: list[ReserveSnapshot] = []
    unchanged: list[int] = []
    with transaction.atomic():
        for b in backings:
            fingerprint = b.fingerprint
            previous = latest.get(b.token.pk)
            if previous is not None and previous.fingerprint == fingerprint:
                previous.checked_at = now
                unchanged.append(previous.pk)
                result.append(previous)
                continue
            snapshot = ReserveSnapshot(
                token=b.token,
                computed_at=now,
                checked_at=now,
                as_of=b.as_of,
                circulating_supply=b.circulating_supply,
                multiplier=b.multiplier,
                shares_required=b.shares_required,
                shares_held=b.shares_held,
                ratio=b.ratio,
                status=b.status,
                provenance=b.provenance,
                fingerprint=fingerprint,
            )
            new.append(snapshot)
            result.append(snapshot)
        if unchanged:
            ReserveSnapshot.objects.filter(pk__in=unchanged).update(checked_at=now)
        if new:
            ReserveSnapshot.objects.bulk_create(new, batch_size=BATCH)
        by_token = {s.token_id: s for s in result}
        raised: list[Alert] = []
        resolved: list[int] = []
        for b in backings:
            if b.status == ReserveSnapshot.Status.UNKNOWN:
                continue  # nothing known: neither raise nor clear
            for condition in Alert.Condition.values:
                alert = open_alerts.get((b.token.pk, condition))
                if condition in b.conditions and alert is None:
                    raised.append(
                        Alert(
                            token=b.token,
                            condition=condition,
                            message=alert_message(b.token, condition, b),
                            raised_at=now,
                            snapshot=by_token[b.token.pk] if by_token[b.token.pk].pk else None,
                        )
                    )
                elif condition not in b.conditions and alert is not None:
                    resolved.append(alert.pk)
        if resolved:
            Alert.objects.filter(pk__in=resolved, resolved_at__isnull=True).update(resolved_at=now)
        if raised:
            # A concurrent computation may have raised the same alert: the partial unique
            # constraint keeps one open alert, and this insert skips it instead of failing.
            Alert.objects.bulk_create(raised, batch_size=BATCH, ignore_conflicts=True)
        if resolved or raised:
            # The public event log: only the alerts this computation raised or resolved (a
            # concurrent one that won the race records its own).
            changed = Alert.objects.select_related("token").filter(
                token_id__in=token_ids, raised_at=now, resolved_at__isnull=True
            )
            alert_events(
                raised=list(changed) if raised else [],
                cleared=list(
                    Alert.objects.select_related("token").filter(pk__in=resolved, resolved_at=now)
                ),
            )
        if new or resolved or raised:
            # Cached pages that show the backing (the catalogue) read afresh after commit.
            transaction.on_commit(bump_reserves_version)
    unsent = [a.token_id for a in open_alerts.values() if a.emailed_at is None]
    if raised or unsent:
        # Alerts raised now, and any whose e-mail failed before: each is sent once.
        pending = list(
            Alert.objects.filter(
                token_id__in=[a.token_id for a in raised] + unsent,
                resolved_at__isnull=True,
                emailed_at__isnull=True,
            ).select_related("token")
        )
        if pending:
            email_alerts(pending, now=now)
    return result


def compute_snapshot(*, token: Token, now: dt.datetime | None = None) -> ReserveSnapshot:
    """Compute and store the backing of one token (see compute_snapshots)."""
    return compute_snapshots(tokens=[token], now=now)[0]


def compute_for_token_ids(*, token_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Recompute the given tokens (all when empty); returns how many were computed."""
    qs = Token.objects.select_related("security")
    ids = list(token_ids)
    if ids:
        qs = qs.filter(pk__in=ids)
    return len(compute_snapshots(tokens=qs, now=now))


def compute_for_issuers(*, issuer_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Recompute every token of the given issuers (after a custodian statement import)."""
    qs = Token.objects.select_related("security").filter(issuer_id__in=list(issuer_ids))
    return len(compute_snapshots(tokens=qs, now=now))
