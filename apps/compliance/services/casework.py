"""Case work: who works a case (claim, reassign with a reason), internal notes, and the
identity document's expiry as the officer reads it. Every action is an audit event."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import record
from apps.compliance.errors import ComplianceError
from apps.compliance.models import CaseAssignment, CaseNote
from apps.core.staff import is_compliance_officer
from apps.onboarding.models import CaseState, KycCase, KycDocument

MAX_TEXT = 2000  # characters of a note or a reason
CLOSED = (CaseState.APPROVED, CaseState.REJECTED)


def _officer_check(officer: AbstractBaseUser, case: KycCase) -> None:
    if not is_compliance_officer(officer):
        raise ComplianceError("Only compliance officers work cases.")
    if case.user_id == officer.pk:
        raise ComplianceError("Nobody works their own case.")


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ComplianceError(f"Write the {what}.")
    if len(value) > MAX_TEXT:
        raise ComplianceError(f"Keep the {what} under {MAX_TEXT} characters.")
    return value


def current_assignment(case: KycCase) -> CaseAssignment | None:
    return (
        CaseAssignment.objects.select_related("officer")
        .filter(case=case, ended_at__isnull=True)
        .first()
    )


@transaction.atomic
def claim_case(
    *, case: KycCase, officer: AbstractBaseUser, ip: str | None = None
) -> CaseAssignment:
    """Take an unassigned open case; a case someone works is reassigned, with a reason."""
    _officer_check(officer, case)
    case = KycCase.objects.select_for_update().get(pk=case.pk)
    if case.state in CLOSED or case.state == CaseState.DRAFT:
        raise ComplianceError(f"A {case.get_state_display().lower()} case is not worked.")
    current = current_assignment(case)
    if current is not None:
        if current.officer_id == officer.pk:
            raise ComplianceError("You work this case already.")
        raise ComplianceError(
            f"{current.officer.get_username()} works this case: reassign it with a reason."
        )
    try:
        with transaction.atomic():
            assignment = CaseAssignment.objects.create(
                case=case, officer=officer, assigned_by=officer, created_at=timezone.now()
            )
    except IntegrityError as exc:
        raise ComplianceError("Someone claimed this case meanwhile; reload it.") from exc
    record(
        actor=officer,
        action="case.claim",
        obj=case,
        before={"assignee": None},
        after={"assignee": officer.get_username()},
        ip=ip,
    )
    return assignment


@transaction.atomic
def reassign_case(
    *,
    case: KycCase,
    officer: AbstractBaseUser,
    to_officer: AbstractBaseUser,
    reason: str,
    ip: str | None = None,
) -> CaseAssignment:
    """Give the case to another officer (or take it over), ending the current assignment.

    A reason is required; nobody is given their own case.
    """
    _officer_check(officer, case)
    reason = _text(reason, "reason")
    if not is_compliance_officer(to_officer):
        raise ComplianceError("Cases go to compliance officers only.")
    if case.user_id == to_officer.pk:
        raise ComplianceError("Nobody works their own case.")
    case = KycCase.objects.select_for_update().get(pk=case.pk)
    if case.state in CLOSED or case.state == CaseState.DRAFT:
        raise ComplianceError(f"A {case.get_state_display().lower()} case is not worked.")
    current = current_assignment(case)
    if current is not None and current.officer_id == to_officer.pk:
        raise ComplianceError(f"{to_officer.get_username()} works this case already.")
    now = timezone.now()
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    assignment = CaseAssignment.objects.create(
        case=case, officer=to_officer, assigned_by=officer, reason=reason, created_at=now
    )
    record(
        actor=officer,
        action="case.reassign",
        obj=case,
        before={"assignee": current.officer.get_username() if current else None},
        after={"assignee": to_officer.get_username(), "reason": reason},
        ip=ip,
    )
    return assignment


@transaction.atomic
def add_note(
    *, case: KycCase, officer: AbstractBaseUser, text: str, ip: str | None = None
) -> CaseNote:
    """An internal note: for officers only, never shown to the investor, never edited."""
    _officer_check(officer, case)
    note = CaseNote.objects.create(
        case=case, author=officer, text=_text(text, "note"), created_at=timezone.now()
    )
    record(
        actor=officer,
        action="case.note",
        obj=case,
        after={"note": note.pk, "text": note.text},
        ip=ip,
    )
    return note


@transaction.atomic
def set_document_expiry(
    *,
    document: KycDocument,
    officer: AbstractBaseUser,
    expires_on: date | None,
    ip: str | None = None,
) -> KycDocument:
    """Record the expiry date the officer reads on the document (none: it does not expire)."""
    _officer_check(officer, document.case)
    document = KycDocument.objects.select_for_update().get(pk=document.pk)
    before = document.expires_on
    document.expires_on = expires_on
    document.save(update_fields=["expires_on"])
    record(
        actor=officer,
        action="document.expiry",
        obj=document,
        before={"expires_on": before.isoformat() if before else None},
        after={
            "case": document.case_id,
            "expires_on": expires_on.isoformat() if expires_on else None,
        },
        ip=ip,
    )
    return document
