from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.compliance import errors
from apps.compliance.models import KycDecision
from apps.compliance.services import decisions
from apps.onboarding.models import KycCase
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _decide(case, officer, decision="approve", reason="verified", note=""):
    return decisions.decide_case(
        case=case, officer=officer, decision=decision, reason_code=reason, note=note, ip="10.0.0.1"
    )


def test_ordinary_case_is_approved_by_one_officer(submitted_case, officer):
    outcome = _decide(submitted_case, officer)
    assert not outcome.pending_second_approval
    case = KycCase.objects.get()
    assert case.state == "approved"
    states = list(case.transitions.values_list("to_state", flat=True))
    assert states == ["submitted", "in_review", "approved"]
    events = AuditEvent.objects.exclude(action="officer.grant")  # made by the fixture
    actions = list(events.order_by("id").values_list("action", flat=True))
    assert actions == ["case.approve"]  # one action, one audit event
    assert events.get().before == {"state": "submitted"}


def test_high_risk_case_needs_a_second_officer(high_risk_case, officer, second_officer):
    first = _decide(high_risk_case, officer)
    assert first.pending_second_approval
    assert KycCase.objects.get().state == "in_review"
    assert AuditEvent.objects.filter(action="case.approve_first").count() == 1

    # The first officer's second approval is refused, and leaves no trace but the refusal.
    with pytest.raises(errors.FourEyesError, match="second officer"):
        _decide(high_risk_case, officer)
    assert KycDecision.objects.count() == 1
    assert KycCase.objects.get().state == "in_review"

    second = _decide(high_risk_case, second_officer)
    assert not second.pending_second_approval
    assert KycCase.objects.get().state == "approved"
    assert AuditEvent.objects.filter(action="case.approve").count() == 1
    # first approval and second approval: exactly one event each (the refusal, none).
    assert AuditEvent.objects.exclude(action="officer.grant").count() == 2


def test_database_forbids_two_approvals_by_one_officer_in_a_round(high_risk_case, officer):
    from django.db import IntegrityError, transaction

    _decide(high_risk_case, officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        KycDecision.objects.create(
            case=high_risk_case,
            officer=officer,
            decision="approve",
            reason_code="verified",
            review_round=1,
            final=True,
        )


def test_reject_and_more_information_need_a_note(submitted_case, officer):
    with pytest.raises(errors.ComplianceError, match="note"):
        _decide(submitted_case, officer, decision="reject", reason="identity_unverified")
    outcome = _decide(
        submitted_case, officer, decision="more_info", reason="document_unreadable", note="Blurry"
    )
    assert outcome.case.state == "more_info"
    assert outcome.case.transitions.last().note == "Blurry"


def test_one_officer_can_reject_a_high_risk_case(high_risk_case, officer):
    outcome = _decide(
        high_risk_case, officer, decision="reject", reason="screening_match", note="Listed"
    )
    assert outcome.case.state == "rejected"


def test_outsider_and_investor_cannot_decide(submitted_case):
    for user in (UserFactory(username="charlie@example.org"), submitted_case.user):
        with pytest.raises(errors.ComplianceError, match="Only compliance officers"):
            _decide(submitted_case, user)
    assert KycCase.objects.get().state == "submitted"
    assert not AuditEvent.objects.exclude(action="officer.grant").exists()


def test_decided_case_cannot_be_decided_again(submitted_case, officer, second_officer):
    _decide(submitted_case, officer)
    with pytest.raises(errors.ComplianceError, match="cannot be decided"):
        _decide(submitted_case, second_officer, decision="reject", note="x", reason="other")


def test_new_review_round_needs_fresh_approvals(high_risk_case, officer, second_officer):
    from apps.onboarding.services.cases import transition_case

    _decide(high_risk_case, officer)
    _decide(high_risk_case, second_officer, decision="more_info", reason="other", note="Send X")
    case = transition_case(
        case=KycCase.objects.get(), to_state="submitted", actor=high_risk_case.user
    )
    first = _decide(case, officer)
    assert first.pending_second_approval  # the earlier round's approval does not count


def test_investor_is_emailed_the_outcome_after_commit(
    submitted_case, officer, second_officer, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        _decide(
            submitted_case,
            officer,
            decision="more_info",
            reason="document_unreadable",
            note="Send a sharper scan of your passport.",
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [submitted_case.user.email]
    assert "Send a sharper scan" in mail.outbox[0].body


def test_first_of_two_approvals_sends_nothing(
    high_risk_case, officer, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        _decide(high_risk_case, officer)
    assert mail.outbox == []
