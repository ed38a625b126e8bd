"""KYC cases: opening, the state machine, submission."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.onboarding.errors import IllegalTransition, OnboardingError
from apps.onboarding.models import (
    TRANSITIONS,
    CaseState,
    Declaration,
    DocumentKind,
    KycCase,
    KycTransition,
)

from .screening import screen_case


@transaction.atomic
def open_case(*, user: AbstractBaseUser, declaration: Declaration) -> KycCase:
    """The user's open case, attached to this (eligible) declaration, or a new draft."""
    if not declaration.eligible:
        raise OnboardingError(_("An ineligible declaration cannot start an application."))
    if declaration.profile.user_id != user.pk:
        raise OnboardingError(_("This declaration belongs to someone else."))
    if KycCase.objects.filter(user=user, state=CaseState.APPROVED).exists():
        raise OnboardingError(_("You are already an approved investor."))
    case = KycCase.objects.select_for_update().open().filter(user=user).first()
    if case is None:
        return KycCase.objects.create(user=user, declaration=declaration)
    if not case.editable_by_investor:
        raise OnboardingError(_("Your application is being reviewed and cannot be changed now."))
    case.declaration = declaration
    case.save(update_fields=["declaration"])
    return case


@transaction.atomic
def transition_case(
    *,
    case: KycCase,
    to_state: str,
    actor: AbstractBaseUser | None,
    note: str = "",
    internal: bool = False,
) -> KycCase:
    """Move a case along TRANSITIONS, recording who did it; any other move raises.

    The UPDATE is conditional on the state the move starts from, so two
    concurrent moves cannot both succeed. An `internal` note is for officers only.
    Entering the queue (a submission, or a review reopened from any other state than
    submitted) sets `queued_at`; leaving "approved" suspends the investor's access until
    a decision (approve or reject) ends the suspension.
    """
    from_state = case.state
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise IllegalTransition(f"A case cannot go from {from_state} to {to_state}.")
    now = timezone.now()
    changes: dict[str, object] = {"state": to_state}
    if to_state == CaseState.SUBMITTED:
        changes["submitted_at"] = now
    if to_state == CaseState.SUBMITTED or (
        to_state == CaseState.IN_REVIEW and from_state != CaseState.SUBMITTED
    ):
        changes["queued_at"] = now
    if from_state == CaseState.APPROVED:
        changes["access_suspended_at"] = now
    if to_state in {CaseState.APPROVED, CaseState.REJECTED}:
        changes["decided_at"] = now
        changes["access_suspended_at"] = None
    updated = KycCase.objects.filter(pk=case.pk, state=from_state).update(**changes)
    if updated != 1:
        raise IllegalTransition("The case changed meanwhile; reload it and try again.")
    KycTransition.objects.create(
        case=case,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        note=note,
        internal=internal,
        created_at=now,
    )
    for name, value in changes.items():
        setattr(case, name, value)
    case._loaded_state = to_state
    return case


@transaction.atomic
def submit_case(*, case: KycCase, actor: AbstractBaseUser) -> KycCase:
    """Submit with both documents; screen; a hit or a review reason sends it to review."""
    kinds = set(case.documents.values_list("kind", flat=True))
    missing = [label for value, label in DocumentKind.choices if value not in kinds]
    if missing:
        if len(missing) == 1:
            raise OnboardingError(
                _("Add your %(document)s first.") % {"document": str(missing[0]).lower()}
            )
        raise OnboardingError(
            _("Add your %(first)s and %(second)s first.")
            % {"first": str(missing[0]).lower(), "second": str(missing[1]).lower()}
        )
    case = transition_case(case=case, to_state=CaseState.SUBMITTED, actor=actor)
    hits = screen_case(case=case)
    reasons = list(case.declaration.review_reasons)
    if hits:
        reasons.append(f"{len(hits)} potential sanctions match(es), best score {hits[0].score}")
    if reasons:
        case.high_risk = True
        case.risk_reasons = reasons
        case.save(update_fields=["high_risk", "risk_reasons"])
    if hits:
        transition_case(
            case=case,
            to_state=CaseState.IN_REVIEW,
            actor=None,
            note="Potential sanctions match: manual review required.",
            internal=True,  # the investor is not told why (no tipping-off)
        )
    return case
