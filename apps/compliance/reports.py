"""Read-only figures for the back office: reports and the access-log chart."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.onboarding.models import CaseState, KycCase

from .models import AccessLogEntry

CHART_DAYS = 30  # days of blocks shown on the access-log chart


def case_report() -> dict[str, object]:
    """Applications by state and country, approval rate, median time to decision, risk, age."""
    now = timezone.now()
    by_place = (
        KycCase.objects.values("declaration__residence_country", "state")
        .annotate(n=Count("id"))
        .order_by("declaration__residence_country", "state")
    )
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CaseState.values, 0))
    totals = dict.fromkeys(CaseState.values, 0)
    for row in by_place:
        table[row["declaration__residence_country"]][row["state"]] = row["n"]
        totals[row["state"]] += row["n"]
    decided = totals[CaseState.APPROVED] + totals[CaseState.REJECTED]
    durations = [
        (decided_at - submitted_at).total_seconds()
        for submitted_at, decided_at in KycCase.objects.filter(
            decided_at__isnull=False, submitted_at__isnull=False
        ).values_list("submitted_at", "decided_at")
    ]
    median = statistics.median(durations) if durations else None
    deadline = now - timedelta(days=settings.KYC_REVIEW_DEADLINE_DAYS)
    waiting = KycCase.objects.filter(state__in=[CaseState.SUBMITTED, CaseState.IN_REVIEW])
    return {
        "states": CaseState.choices,
        "rows": [
            (country, [counts[value] for value in CaseState.values])
            for country, counts in sorted(table.items())
        ],
        "totals": [totals[value] for value in CaseState.values],
        "approval_rate": (totals[CaseState.APPROVED] / decided * 100) if decided else None,
        "median_hours": (median / 3600) if median is not None else None,
        "open_high_risk": waiting.filter(high_risk=True).count(),
        "past_deadline": waiting.filter(submitted_at__lt=deadline).count(),
        "deadline_days": settings.KYC_REVIEW_DEADLINE_DAYS,
    }


def blocks_per_country_per_day(*, country: str = "") -> list[dict[str, object]]:
    """Plotly traces (one per country) of blocked requests per day over CHART_DAYS days."""
    since = timezone.now() - timedelta(days=CHART_DAYS)
    rows = AccessLogEntry.objects.filter(created_at__gte=since)
    if country:
        rows = rows.filter(country=country)
    counts = (
        rows.annotate(day=TruncDate("created_at"))
        .values("country", "day")
        .annotate(n=Count("id"))
        .order_by("country", "day")
    )
    series: dict[str, tuple[list[str], list[int]]] = defaultdict(lambda: ([], []))
    for row in counts:
        days, values = series[row["country"]]
        days.append(row["day"].isoformat())
        values.append(row["n"])
    return [
        {"type": "bar", "name": code, "x": days, "y": values}
        for code, (days, values) in sorted(series.items())
    ]
