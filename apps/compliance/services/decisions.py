"""Decisions on KYC cases, with four eyes on high-risk approvals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import record
from apps.compliance.errors import ComplianceError, FourEyesError
from apps.compliance.models import CaseAssignment, Decision, KycDecision, ReasonCode
from apps.compliance.tasks import notify_investor
from apps.core.staff import is_compliance_officer
from apps.onboarding.models import CaseState, DocumentKind, KycCase
from apps.onboarding.services.cases import transition_case

MAX_NOTE = 2000  # characters of a decision note


@dataclass(frozen=True)
class DecisionOutcome:
    decision: KycDecision
    case: KycCase

    @property
    def pending_second_approval(self) -> bool:
        return not self.decision.final


_TARGET = {
    Decision.APPROVE: CaseState.APPROVED,
    Decision.REJECT: CaseState.REJECTED,
    Decision.MORE_INFO: CaseState.MORE_INFO,
}


def _round(case: KycCase) -> int:
    return case.transitions.filter(to_state=CaseState.IN_REVIEW).count()


def _expired_identity(case: KycCase) -> date | None:
    """The expiry of the case's latest identity document when it is past, else None."""
    latest = (
        case.documents.filter(kind=DocumentKind.IDENTITY)
        .order_by("-uploaded_at", "-id")
        .values_list("expires_on", flat=True)
        .first()
    )
    return latest if latest is not None and latest < timezone.localdate() else None


@transaction.atomic
def decide_case(
    *,
    case: KycCase,
    officer: AbstractBaseUser,
    decision: str,
    reason_code: str,
    note: str = "",
    ip: str | None = None,
) -> DecisionOutcome:
    """Record an officer's decision and move the case, with four eyes where needed.

    Reject and "more information" take one officer. Approval of a high-risk case
    (screening hit, review-status jurisdiction, IP country contradicting the
    declaration) takes two different officers in the same review round: the first
    approval leaves the case in review, and the same officer can never give the
    second. Each call leaves exactly one audit event.
    """
    if not is_compliance_officer(officer):
        raise ComplianceError("Only compliance officers decide cases.")
    if decision not in _TARGET:
        raise ComplianceError("Choose approve, reject or ask for more information.")
    if reason_code not in ReasonCode.values:
        raise ComplianceError("Choose a reason code.")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ComplianceError(f"Keep the note under {MAX_NOTE} characters.")
    if decision != Decision.APPROVE and not note:
        raise ComplianceError("Say why in the note: the investor sees it.")
    # Lock the case row: concurrent decisions on one case run one after the other.
    case = KycCase.objects.select_for_update().get(pk=case.pk)
    if case.user_id == officer.pk:
        raise ComplianceError("Nobody decides their own case.")
    before = {"state": case.state}
    if case.state == CaseState.SUBMITTED:
        # Deciding a submitted case starts its review: one action, one audit event.
        case = transition_case(case=case, to_state=CaseState.IN_REVIEW, actor=officer)
    if case.state != CaseState.IN_REVIEW:
        raise ComplianceError(
            f"A case that is {case.get_state_display().lower()} cannot be decided."
        )
    review_round = _round(case)
    if decision == Decision.APPROVE:
        expired = _expired_identity(case)
        if expired is not None:
            raise ComplianceError(
                f"The identity document expired on {expired.isoformat()}: ask for a new one "
                "(or correct its expiry date)."
            )

    final = True
    if decision == Decision.APPROVE and case.high_risk:
        approvals = KycDecision.objects.filter(
            case=case, review_round=review_round, decision=Decision.APPROVE
        )
        if approvals.filter(officer=officer).exists():
            raise FourEyesError("You approved this case already: a second officer must approve it.")
        final = approvals.exists()
    try:
        with transaction.atomic():
            decided = KycDecision.objects.create(
                case=case,
                officer=officer,
                decision=decision,
                reason_code=reason_code,
                note=note,
                review_round=review_round,
                final=final,
                created_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise FourEyesError(
            "You approved this case already: a second officer must approve it."
        ) from exc
    if final:
        case = transition_case(case=case, to_state=_TARGET[decision], actor=officer, note=note)
        notify_investor.delay_on_commit(case.pk)
        if case.state in {CaseState.APPROVED, CaseState.REJECTED}:
            # A decided case is nobody's work any more; a reopened one starts unassigned.
            CaseAssignment.objects.filter(case=case, ended_at__isnull=True).update(
                ended_at=timezone.now()
            )
    record(
        actor=officer,
        action=f"case.{decision}" if final else "case.approve_first",
        obj=case,
        before=before,
        after={
            "state": case.state,
            "decision": decision,
            "reason_code": reason_code,
            "note": note,
            "review_round": review_round,
            "pending_second_approval": not final,
        },
        ip=ip,
    )
    return DecisionOutcome(decided, case)
