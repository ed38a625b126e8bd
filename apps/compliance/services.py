"""Writes of the compliance back office: decisions with four eyes, rules, audit."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.onboarding.models import CaseState, KycCase
from apps.onboarding.services import transition_case

from . import audit
from .access import is_compliance_officer
from .models import AuditEvent, Decision, JurisdictionRule, KycDecision, ReasonCode


class ComplianceError(ValueError):
    """A refused back-office action; the message is shown to the officer."""


class FourEyesError(ComplianceError):
    pass


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
    if decision != Decision.APPROVE and not note.strip():
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
            record = KycDecision.objects.create(
                case=case,
                officer=officer,
                decision=decision,
                reason_code=reason_code,
                note=note.strip(),
                review_round=review_round,
                final=final,
                created_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise FourEyesError(
            "You approved this case already: a second officer must approve it."
        ) from exc
    if final:
        case = transition_case(
            case=case, to_state=_TARGET[decision], actor=officer, note=note.strip()
        )
        from .tasks import notify_investor  # tasks import this module

        notify_investor.delay_on_commit(case.pk)
    audit.record(
        actor=officer,
        action=f"case.{decision}" if final else "case.approve_first",
        obj=case,
        before=before,
        after={
            "state": case.state,
            "decision": decision,
            "reason_code": reason_code,
            "note": note.strip(),
            "review_round": review_round,
            "pending_second_approval": not final,
        },
        ip=ip,
    )
    return DecisionOutcome(record, case)


def _rule_snapshot(rule: JurisdictionRule) -> dict[str, str | None]:
    return {
        "country": rule.country,
        "region": rule.region,
        "status": rule.status,
        "reason": rule.reason,
        "legal_basis": rule.legal_basis,
        "effective_from": rule.effective_from.isoformat(),
        "effective_to": rule.effective_to.isoformat() if rule.effective_to else None,
    }


@transaction.atomic
def set_rule(
    *,
    officer: AbstractBaseUser,
    country: str,
    region: str = "",
    status: str,
    reason: str,
    legal_basis: str,
    ip: str | None = None,
) -> JurisdictionRule:
    """End the rule in force for the place (if any) and put a new one in force now."""
    if not is_compliance_officer(officer):
        raise ComplianceError("Only compliance officers change jurisdiction rules.")
    now = timezone.now()
    rule = JurisdictionRule(
        country=country,
        region=region,
        status=status,
        reason=reason.strip(),
        legal_basis=legal_basis.strip(),
        effective_from=now,
        changed_by=officer,
    )
    rule.full_clean(exclude=["changed_by"])
    current = (
        JurisdictionRule.objects.in_force(now)
        .select_for_update()
        .filter(country=rule.country, region=rule.region)
        .first()
    )
    before = None
    if current is not None:
        before = _rule_snapshot(current)
        current.effective_to = now
        current.save(update_fields=["effective_to"])
    rule.save()
    audit.record(
        actor=officer, action="rule.set", obj=rule, before=before, after=_rule_snapshot(rule), ip=ip
    )
    return rule


@transaction.atomic
def end_rule(
    *, officer: AbstractBaseUser, rule: JurisdictionRule, reason: str, ip: str | None = None
) -> JurisdictionRule:
    """End a rule now; the place falls back to its country's rule, or to allowed."""
    if not is_compliance_officer(officer):
        raise ComplianceError("Only compliance officers change jurisdiction rules.")
    if not reason.strip():
        raise ComplianceError("Say why the rule ends.")
    rule = JurisdictionRule.objects.select_for_update().get(pk=rule.pk)
    now = timezone.now()
    if rule.effective_to is not None and rule.effective_to <= now:
        raise ComplianceError("This rule has already ended.")
    before = _rule_snapshot(rule)
    rule.effective_to = now
    rule.save(update_fields=["effective_to"])
    audit.record(
        actor=officer,
        action="rule.end",
        obj=rule,
        before=before,
        after={**_rule_snapshot(rule), "reason_for_ending": reason.strip()},
        ip=ip,
    )
    return rule


def export_audit_csv(
    *, officer: AbstractBaseUser, start: date, end: date, out: TextIO, ip: str | None = None
) -> int:
    """Write audit events from `start` to `end` (dates, UTC, inclusive) as CSV; audit the export."""
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    events = AuditEvent.objects.filter(created_at__gte=since, created_at__lt=until).order_by(
        "created_at", "id"
    )
    writer = csv.writer(out)
    fields = ["id", "created_at", "actor", "action", "object_type", "object_id", "object_repr"]
    writer.writerow([*fields, "before", "after", "ip_address"])
    count = 0
    for e in events.iterator(chunk_size=2000):
        writer.writerow(
            [
                e.pk,
                e.created_at.isoformat(),
                e.actor_label,
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                json.dumps(e.before, sort_keys=True) if e.before is not None else "",
                json.dumps(e.after, sort_keys=True) if e.after is not None else "",
                e.ip_address or "",
            ]
        )
        count += 1
    audit.record(
        actor=officer,
        action="audit.export",
        after={"from": start.isoformat(), "to": end.isoformat(), "rows": count},
        ip=ip,
    )
    return count


OUTCOME_TEXT = {
    CaseState.APPROVED: "Your application is approved. You can now register your wallets.",
    CaseState.REJECTED: "Your application was refused.",
    CaseState.MORE_INFO: "We need more information to finish reviewing your application.",
}


def send_outcome_email(*, case_id: int) -> bool:
    """Tell the investor the case's current outcome; False when there is none to tell."""
    case = KycCase.objects.select_related("user").get(pk=case_id)
    text = OUTCOME_TEXT.get(case.state)
    if text is None:
        return False
    last = case.transitions.order_by("-created_at", "-id").first()
    note = last.note if last and last.to_state == case.state and last.note else ""
    body = text + (f"\n\n{note}" if note and case.state != CaseState.APPROVED else "")
    send_mail(
        subject=f"Your application: {case.get_state_display().lower()}",
        message=body + "\n\nDetails are on your application page.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[case.user.email],
    )
    return True
