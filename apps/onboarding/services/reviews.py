"""Reviews opened on cases after their first decision: a re-screening hit, a flagged
transfer, an expired identity document, a periodic review that falls due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import record
from apps.onboarding.errors import OnboardingError
from apps.onboarding.models import CaseState, DocumentKind, KycCase, KycDocument

from .alerts import queue_officer_alert
from .cases import transition_case

MAX_REASON = 500  # characters of one reason
MAX_REASONS = 50  # reasons kept on a case (the oldest go first; the history keeps them all)
MAX_DUE_PER_RUN = 500  # cases one run of open_due_reviews reopens (the next run goes on)
REOPENABLE = (CaseState.APPROVED, CaseState.SUBMITTED, CaseState.IN_REVIEW, CaseState.MORE_INFO)


@transaction.atomic
def open_review(
    *,
    case: KycCase,
    reason: str,
    high_risk: bool,
    actor: AbstractBaseUser | None = None,
    ip: str | None = None,
) -> KycCase:
    """Put a case in the review queue with `reason`, through the state machine.

    An approved case goes back to review and its investor's access is suspended until an
    officer decides; a submitted case, or one waiting for the investor, goes to review; a
    case already in review starts a new round (first approvals given before no longer
    count). `high_risk` makes the decision need two officers. The reason is an internal
    note (the investor is not told why) and an audit event (case.review_opened).
    """
    case = KycCase.objects.select_for_update().get(pk=case.pk)
    if case.state not in REOPENABLE:
        raise OnboardingError(f"A {case.get_state_display().lower()} case cannot be reviewed.")
    reason = reason.strip()[:MAX_REASON]
    before = {"state": case.state, "high_risk": case.high_risk}
    case.high_risk = case.high_risk or high_risk
    case.risk_reasons = [*case.risk_reasons, reason][-MAX_REASONS:]
    case.save(update_fields=["high_risk", "risk_reasons"])
    case = transition_case(
        case=case, to_state=CaseState.IN_REVIEW, actor=actor, note=reason, internal=True
    )
    record(
        actor=actor,
        action="case.review_opened",
        obj=case,
        before=before,
        after={
            "state": case.state,
            "high_risk": case.high_risk,
            "reason": reason,
            "access_suspended": case.access_suspended,
        },
        ip=ip,
    )
    return case


def case_line(case: KycCase, reason: str) -> str:
    """One line of an officer alert: the case, its page (SITE_URL) and why (no investor
    details)."""
    page = settings.SITE_URL + reverse("compliance:case", args=[case.pk])
    return f"Case #{case.pk} ({page}): {reason}"


@dataclass(frozen=True)
class DueReviews:
    document_expired: list[int]
    periodic: list[int]


def _latest_identity_expiry():
    latest = KycDocument.objects.filter(case=OuterRef("pk"), kind=DocumentKind.IDENTITY).order_by(
        "-uploaded_at", "-id"
    )
    return Subquery(latest.values("expires_on")[:1])


def review_period(*, high_risk: bool) -> timedelta:
    days = (
        settings.KYC_PERIODIC_REVIEW_DAYS_HIGH_RISK
        if high_risk
        else settings.KYC_PERIODIC_REVIEW_DAYS
    )
    return timedelta(days=days)


@transaction.atomic
def open_due_reviews(*, today: date | None = None) -> DueReviews:
    """Approved cases whose identity document has expired, or whose periodic review is due
    (KYC_PERIODIC_REVIEW_DAYS_HIGH_RISK after the last decision for high-risk cases,
    KYC_PERIODIC_REVIEW_DAYS for others), go back to review with the reason.

    Idempotent: a case reopened is no longer approved, so a second run passes it by. The
    identity document that counts is the case's latest; approval is refused while it is
    expired (apps.compliance.services.decisions), so a decision cannot loop back here.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    approved = KycCase.objects.filter(state=CaseState.APPROVED)
    expired = list(
        approved.annotate(identity_expires=_latest_identity_expiry())
        .filter(identity_expires__lt=today)
        .order_by("identity_expires", "pk")[:MAX_DUE_PER_RUN]
    )
    opened_expired: list[int] = []
    lines: list[str] = []
    for case in expired:
        reason = f"Identity document expired on {case.identity_expires.isoformat()}."
        open_review(case=case, reason=reason, high_risk=False)
        opened_expired.append(case.pk)
        lines.append(case_line(case, reason))
    due = approved.exclude(pk__in=opened_expired)
    periodic_cases: list[KycCase] = []
    for high_risk in (True, False):
        cutoff = now - review_period(high_risk=high_risk)
        periodic_cases += due.filter(high_risk=high_risk, decided_at__lte=cutoff).order_by(
            "decided_at", "pk"
        )[:MAX_DUE_PER_RUN]
    opened_periodic: list[int] = []
    for case in periodic_cases[:MAX_DUE_PER_RUN]:
        period = review_period(high_risk=case.high_risk).days
        reason = (
            f"Periodic review due: {'high-risk' if case.high_risk else 'normal-risk'} cases "
            f"every {period} days; last decided {case.decided_at.date().isoformat()}."
        )
        open_review(case=case, reason=reason, high_risk=False)
        opened_periodic.append(case.pk)
        lines.append(case_line(case, reason))
    if lines:
        queue_officer_alert(
            key=f"due-reviews:{now.isoformat()}",
            subject=f"{len(lines)} case(s) due for review",
            lines=lines,
        )
    return DueReviews(opened_expired, opened_periodic)
