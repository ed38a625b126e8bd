"""Reads for the transparency pages, the catalogue cells and the API: fixed query counts."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import DatabaseError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from apps.catalog.models import Token
from apps.core.formatting import percent_text, plain_text
from apps.markets.selectors import latest_security_prices

from .models import Alert, Attestation, ReserveSnapshot

log = logging.getLogger(__name__)

CHART_POINTS = 400  # ratio-history points sent to the browser; a year of hourly rows is ~8,800
LATEST_ATTESTATIONS = 5


def latest_prices(security_ids: Iterable[int]) -> dict[int, Decimal]:
    """{security id: latest price per share}; securities without a price are left out, and
    the pages then say "no price" instead of a value."""
    try:
        return latest_security_prices(security_ids=list(security_ids))
    except DatabaseError:  # a price failing must never take the proof of reserves down
        log.exception("latest prices unavailable; showing reserves without values")
        return {}


def with_backing(tokens: QuerySet[Token]) -> QuerySet[Token]:
    """Annotate each token with its latest snapshot's id and its number of open alerts
    (correlated subqueries on the token query itself); attach_backing() then needs one
    query for the snapshots and none for the alerts."""
    latest = (
        ReserveSnapshot.objects.filter(token=OuterRef("pk"))
        .order_by("-computed_at", "-pk")
        .values("pk")[:1]
    )
    open_alerts = (
        Alert.objects.filter(token=OuterRef("pk"), resolved_at__isnull=True)
        .order_by()
        .values("token")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return tokens.annotate(
        backing_id=Subquery(latest),
        open_alert_count=Coalesce(Subquery(open_alerts), 0),
    )


def attach_backing(tokens: Iterable[Token]) -> list[Token]:
    """Give each token `.backing` (latest snapshot or None) and `.open_alert_count`.

    Tokens from with_backing() cost one query; others cost two and also get
    `.open_alerts`, the open Alert rows the token pages show as banners.
    """
    tokens = list(tokens)
    if tokens and all(hasattr(t, "backing_id") for t in tokens):
        ids = [t.backing_id for t in tokens if t.backing_id]
        snapshots = {
            s.pk: s for s in ReserveSnapshot.objects.filter(pk__in=ids).defer("provenance")
        }
        for t in tokens:
            t.backing = snapshots.get(t.backing_id)
        return tokens
    ids = [t.pk for t in tokens]
    by_token = (
        {s.token_id: s for s in ReserveSnapshot.objects.latest_for(ids).defer("provenance")}
        if ids
        else {}
    )
    alerts: dict[int, list[Alert]] = {}
    if ids:
        for a in Alert.objects.filter(token_id__in=ids, resolved_at__isnull=True):
            alerts.setdefault(a.token_id, []).append(a)
    for t in tokens:
        t.backing = by_token.get(t.pk)
        t.open_alerts = alerts.get(t.pk, [])
        t.open_alert_count = len(t.open_alerts)
    return tokens


def attestations_for(token: Token) -> list[Attestation]:
    return list(
        Attestation.objects.filter(
            Q(token=token) | Q(issuer_id=token.issuer_id, token__isnull=True)
        ).select_related("issuer", "token")
    )


@dataclass(slots=True)
class Row:
    """One token's line on /transparency/, formatted once here rather than in the template."""

    symbol: str
    status: str
    status_label: str
    ratio: str
    required: str
    held: str
    value: str
    age: str
    as_of: str


@dataclass
class Overview:
    """Everything /transparency/ shows."""

    rows: list[Row]
    shares_required: Decimal
    shares_held: Decimal
    value_held: Decimal | None
    priced: int
    custodians: list[dict[str, Any]]
    alerts: list[Alert]
    attestations: list[Attestation]
    status_counts: dict[str, int] = field(default_factory=dict)


def short_age(delta: dt.timedelta | None) -> str:
    """A compact age: 45 s, 12 min, 5 h, 3 d."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    if seconds >= 86400:
        return gettext("%(days)d d") % {"days": seconds // 86400}
    if seconds >= 3600:
        return gettext("%(hours)d h") % {"hours": seconds // 3600}
    if seconds >= 60:
        return gettext("%(minutes)d min") % {"minutes": seconds // 60}
    return gettext("%(seconds)d s") % {"seconds": max(seconds, 0)}


def overview(*, now: dt.datetime | None = None) -> Overview:
    """The whole transparency page in 4 queries whatever the number of tokens.

    Rows come from values_list and are formatted here: 1,000 model instances and 10,000
    template lookups would cost more than everything else on the page.
    """
    now = now or timezone.now()
    tokens = list(Token.objects.order_by("symbol").values_list("pk", "symbol", "security_id"))
    snapshots = {
        row[0]: row
        for row in ReserveSnapshot.objects.latest_for().values_list(
            "token_id", "status", "ratio", "shares_required", "shares_held", "as_of", "provenance"
        )
    }
    prices = latest_prices({security_id for _, _, security_id in tokens})
    labels = dict(ReserveSnapshot.Status.choices)
    required = held = value = Decimal(0)
    priced = 0
    custodians: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    rows = []
    for pk, symbol, security_id in tokens:
        snap = snapshots.get(pk)
        if snap is None:
            counts["none"] = counts.get("none", 0) + 1
            rows.append(Row(symbol, "", "", "", "", "", "", "", ""))
            continue
        _, status, ratio, req, hld, as_of, provenance = snap
        counts[status] = counts.get(status, 0) + 1
        required += req or 0
        held += hld or 0
        price = prices.get(security_id)
        token_value = None
        if price is not None and hld is not None:
            token_value = hld * price
            value += token_value
            priced += 1
        rows.append(
            Row(
                symbol=symbol,
                status=status,
                status_label=labels.get(status, status),
                ratio=percent_text(ratio),
                required=plain_text(req),
                held=plain_text(hld),
                value=f"{token_value.quantize(Decimal('0.01')):,}"
                if token_value is not None
                else "",
                age=short_age(now - as_of) if as_of else "—",
                as_of=f"{as_of:%Y-%m-%d %H:%M} UTC" if as_of else "",
            )
        )
        for c in provenance.get("holdings_by_custodian", []):
            entry = custodians.setdefault(
                c["custodian"],
                {
                    "slug": c["custodian"],
                    "name": c["name"],
                    "shares": Decimal(0),
                    "tokens": 0,
                    "latest": "",
                },
            )
            entry["shares"] += Decimal(c["quantity"])
            entry["tokens"] += 1
            for st in c["statements"]:
                entry["latest"] = max(entry["latest"], st["statement_date"] or "")
    for entry in custodians.values():
        entry["latest"] = dt.datetime.fromisoformat(entry["latest"]) if entry["latest"] else None
    alerts = list(
        Alert.objects.filter(resolved_at__isnull=True)
        .select_related("token")
        .order_by("-raised_at")
    )
    attestations = list(Attestation.objects.select_related("issuer", "token")[:LATEST_ATTESTATIONS])
    return Overview(
        rows=rows,
        shares_required=required,
        shares_held=held,
        value_held=value if priced else None,
        priced=priced,
        custodians=sorted(custodians.values(), key=lambda c: c["name"]),
        alerts=alerts,
        attestations=attestations,
        status_counts=counts,
    )


def history(
    token: Token, *, since: dt.datetime | None = None
) -> list[tuple[dt.datetime, Decimal | None, str, Decimal | None, Decimal | None, Decimal]]:
    """(computed_at, ratio, status, shares_required, shares_held, multiplier), oldest first."""
    qs = ReserveSnapshot.objects.filter(token=token)
    if since is not None:
        qs = qs.filter(computed_at__gte=since)
    return list(
        qs.order_by("computed_at", "pk").values_list(
            "computed_at", "ratio", "status", "shares_required", "shares_held", "multiplier"
        )
    )


def downsample(points: Sequence[tuple], *, limit: int = CHART_POINTS) -> list[tuple]:
    """At most `limit` points: the lowest ratio of each time bucket, so a dip never vanishes.

    Points are (time, ratio, ...) tuples oldest first; the newest point is always kept.
    """
    if len(points) <= limit:
        return list(points)
    size = math.ceil(len(points) / (limit - 1))
    out = []
    for start in range(0, len(points) - 1, size):
        bucket = points[start : start + size]
        out.append(min(bucket, key=lambda p: (p[1] is not None, p[1] or 0)))
    out.append(points[-1])
    return out


def data_age(
    snapshot: ReserveSnapshot | None, *, now: dt.datetime | None = None
) -> dt.timedelta | None:
    if snapshot is None or snapshot.as_of is None:
        return None
    return (now or timezone.now()) - snapshot.as_of
