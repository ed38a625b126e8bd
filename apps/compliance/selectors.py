"""Reads of the back office: the queue, a case page, reports and the access log.

Each page runs a fixed number of queries whatever the number of rows (pinned in
tests/compliance/test_query_counts.py).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.jurisdictions.models import AccessLogEntry
from apps.onboarding.models import (
    CaseState,
    KycCase,
    KycDocument,
    SanctionsListLoad,
    Wallet,
    WalletTransfer,
)

from .models import CaseAssignment

QUEUE_PAGE_SIZE = 100  # cases per page of the queue
TRANSFERS_SHOWN = 200  # flagged transfers on a case page, newest first
LOADS_SHOWN = 20  # sanctions list loads on the reports page, newest first
ACCESS_LOG_PAGE_SIZE = 500  # newest refused requests shown
CHART_DAYS = 30  # days of refusals on the access-log chart

# "Oldest" is the longest in the queue: since submission, or since a review was reopened.
SORTS = {
    "oldest": ("queued_at", "id"),
    "newest": ("-queued_at", "-id"),
    "country": ("declaration__residence_country", "queued_at"),
    "risk": ("-high_risk", "queued_at"),
}
WAITING = (CaseState.SUBMITTED, CaseState.IN_REVIEW)  # what the review deadline applies to


def state_counts() -> list[tuple[str, str, int]]:
    """(label, state, number of cases) for every state, in the machine's order."""
    counts = dict(KycCase.objects.values_list("state").annotate(n=Count("id")).order_by())
    return [(label, value, counts.get(value, 0)) for value, label in CaseState.choices]


def officer_queryset() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=settings.COMPLIANCE_GROUP)
        .order_by("username")
    )


def officers() -> list[AbstractBaseUser]:
    """Active compliance officers, by user name (the assignee filter and the reassign form)."""
    return list(officer_queryset())


def document(pk: int) -> KycDocument | None:
    return KycDocument.objects.select_related("case").filter(pk=pk).first()


def _deadline(case: KycCase) -> None:
    """`deadline` (when the review is due) and `overdue` on a case, from `queued_at`."""
    days = timedelta(days=settings.KYC_REVIEW_DEADLINE_DAYS)
    case.deadline = case.queued_at + days if case.queued_at else None
    case.overdue = bool(case.deadline and case.state in WAITING and case.deadline < timezone.now())


def queue(
    *,
    state: str = "",
    country: str = "",
    risk: str = "",
    age: str = "",
    sort: str = "",
    assignee: str = "",
    officer: AbstractBaseUser | None = None,
) -> list[KycCase]:
    """Cases by state, country, risk, age and assignee, longest in the queue first by default.

    state "" means the open cases that were submitted; "all" every case. assignee "me" is
    `officer`'s cases, "none" the unassigned, an id that officer's. Each case carries its
    current assignee (`assignee_id`, `assignee_name`), `deadline` and `overdue`.
    """
    current = CaseAssignment.objects.filter(case=OuterRef("pk"), ended_at__isnull=True)
    cases = KycCase.objects.for_queue().annotate(
        assignee_id=Subquery(current.values("officer_id")[:1]),
        assignee_name=Subquery(current.values("officer__username")[:1]),
    )
    if state == "":
        cases = cases.open().exclude(state=CaseState.DRAFT)
    elif state != "all":
        cases = cases.filter(state=state)
    if country:
        cases = cases.filter(declaration__residence_country=country)
    if risk:
        cases = cases.filter(high_risk=risk == "high")
    if age == "overdue":
        deadline = timezone.now() - timedelta(days=settings.KYC_REVIEW_DEADLINE_DAYS)
        cases = cases.filter(state__in=WAITING, queued_at__lt=deadline)
    if assignee == "none":
        cases = cases.filter(assignee_id__isnull=True)
    elif assignee == "me":
        cases = cases.filter(assignee_id=officer.pk if officer else None)
    elif assignee:
        cases = cases.filter(assignee_id=int(assignee))
    found = list(cases.order_by(*SORTS[sort or "oldest"])[:QUEUE_PAGE_SIZE])
    for case in found:
        _deadline(case)
    return found


@dataclass(frozen=True)
class CasePage:
    case: KycCase
    declarations: list
    documents: list
    hits: list
    transitions: list
    decisions: list
    wallets: list
    assignments: list  # oldest first; the current one has no ended_at
    notes: list
    transfers: list  # flagged transfers of the investor's wallets, newest first

    @property
    def assignment(self) -> CaseAssignment | None:
        current = [a for a in self.assignments if a.ended_at is None]
        return current[0] if current else None


def case_page(pk: int) -> CasePage | None:
    """One case with everything an officer needs to work and decide it, or None."""
    case = KycCase.objects.for_queue().select_related("declaration__profile").filter(pk=pk).first()
    if case is None:
        return None
    _deadline(case)
    return CasePage(
        case=case,
        declarations=list(case.declaration.profile.declarations.all()),
        documents=list(case.documents.all()),
        hits=list(case.screening_hits.select_related("wallet")),
        transitions=list(case.transitions.select_related("actor")),
        decisions=list(case.decisions.select_related("officer")),
        wallets=list(Wallet.objects.filter(user=case.user)),
        assignments=list(case.assignments.select_related("officer", "assigned_by")),
        notes=list(case.notes.select_related("author")),
        transfers=list(
            WalletTransfer.objects.flagged()
            .of_user(case.user_id)
            .select_related("chain", "deployment__token", "from_wallet", "to_wallet")
            .order_by("-block_number", "-log_index")[:TRANSFERS_SHOWN]
        ),
    )


def access_log(
    *, country: str = "", path: str = "", start: date | None = None, end: date | None = None
) -> QuerySet[AccessLogEntry]:
    """Refused requests, newest first, at most ACCESS_LOG_PAGE_SIZE."""
    entries = AccessLogEntry.objects.select_related("rule")
    if country:
        entries = entries.filter(country=country)
    if path:
        entries = entries.filter(path__contains=path)
    if start:
        entries = entries.filter(created_at__date__gte=start)
    if end:
        entries = entries.filter(created_at__date__lte=end)
    return entries[:ACCESS_LOG_PAGE_SIZE]


def refusals_per_country_per_day(*, country: str = "") -> dict[str, tuple[list[str], list[int]]]:
    """{country: (days, refusals)} over the last CHART_DAYS days, one query."""
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
        days, values = series[row["country"] or "unknown"]
        days.append(row["day"].isoformat())
        values.append(row["n"])
    return dict(sorted(series.items()))


def case_report() -> dict[str, object]:
    """Applications by state and country, approval rate, median time to decision, risk, age,
    and the latest sanctions list loads with their re-screening."""
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
    waiting = KycCase.objects.filter(state__in=WAITING)
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
        "past_deadline": waiting.filter(queued_at__lt=deadline).count(),
        "deadline_days": settings.KYC_REVIEW_DEADLINE_DAYS,
        "list_loads": list(SanctionsListLoad.objects.order_by("-loaded_at", "-id")[:LOADS_SHOWN]),
    }
