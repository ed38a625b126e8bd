"""Case work: assignment, internal notes, the review deadline, document expiry and periodic
reviews; every action through plain forms (no JavaScript) and on the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.compliance.errors import ComplianceError
from apps.compliance.models import CaseAssignment, CaseNote
from apps.compliance.services import casework, decisions
from apps.onboarding.models import KycCase, KycDocument
from apps.onboarding.services import cases
from apps.onboarding.services.reviews import open_due_reviews
from tests.factories import KycCaseFactory, make_officer

pytestmark = pytest.mark.django_db


def _document(case, *, expires_on=None, kind="identity") -> KycDocument:
    return KycDocument.objects.create(
        case=case,
        kind=kind,
        original_name="passport.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        storage_name=f"s-{KycDocument.objects.count()}",
        uploaded_by=case.user,
        expires_on=expires_on,
    )


def _approve(case, officer):
    decisions.decide_case(case=case, officer=officer, decision="approve", reason_code="verified")
    case.refresh_from_db()
    return case


def test_an_officer_claims_a_case_with_a_plain_form(client, officer, submitted_case):
    client.force_login(officer)
    response = client.post(f"/compliance/cases/{submitted_case.pk}/claim/")
    assert response.status_code == 302
    assignment = CaseAssignment.objects.get()
    assert (assignment.case, assignment.officer, assignment.ended_at) == (
        submitted_case,
        officer,
        None,
    )
    event = AuditEvent.objects.get(action="case.claim")
    assert event.after == {"assignee": officer.username}
    page = client.get(f"/compliance/cases/{submitted_case.pk}/").content.decode()
    assert "You work this case now." in page and officer.email in page


def test_a_claimed_case_is_reassigned_only_with_a_reason(
    client, officer, second_officer, submitted_case
):
    casework.claim_case(case=submitted_case, officer=officer)
    with pytest.raises(ComplianceError, match="works this case: reassign it"):
        casework.claim_case(case=submitted_case, officer=second_officer)
    client.force_login(second_officer)
    url = f"/compliance/cases/{submitted_case.pk}/reassign/"
    client.post(url, {"officer": second_officer.pk, "reason": ""})
    assert CaseAssignment.objects.get(ended_at__isnull=True).officer == officer
    client.post(url, {"officer": second_officer.pk, "reason": "Olivia is on leave"})
    current = CaseAssignment.objects.get(ended_at__isnull=True)
    assert (current.officer, current.assigned_by, current.reason) == (
        second_officer,
        second_officer,
        "Olivia is on leave",
    )
    event = AuditEvent.objects.get(action="case.reassign")
    assert event.before == {"assignee": officer.username}
    assert event.after == {"assignee": second_officer.username, "reason": "Olivia is on leave"}


def test_nobody_is_given_their_own_case_and_investors_are_not_assignees(officer, submitted_case):
    with pytest.raises(ComplianceError, match="Cases go to compliance officers only"):
        casework.reassign_case(
            case=submitted_case, officer=officer, to_officer=submitted_case.user, reason="x"
        )
    own = KycCaseFactory(declaration__profile__user=officer)
    cases.transition_case(case=own, to_state="submitted", actor=officer)
    with pytest.raises(ComplianceError, match="Nobody works their own case"):
        casework.claim_case(case=own, officer=officer)


def test_the_queue_filters_by_assignee(client, officer, second_officer, submitted_case):
    other = KycCaseFactory()
    cases.transition_case(case=other, to_state="submitted", actor=other.user)
    casework.claim_case(case=submitted_case, officer=officer)
    client.force_login(officer)
    mine = client.get("/compliance/?assignee=me").content.decode()
    assert f"/compliance/cases/{submitted_case.pk}/" in mine
    assert f"/compliance/cases/{other.pk}/" not in mine
    nobody = client.get("/compliance/?assignee=none").content.decode()
    assert f"/compliance/cases/{other.pk}/" in nobody
    assert f"/compliance/cases/{submitted_case.pk}/" not in nobody
    theirs = client.get(f"/compliance/?assignee={second_officer.pk}").content.decode()
    assert "No case matches." in theirs
    assert client.get("/compliance/?assignee=999999").status_code == 400


def test_a_decision_ends_the_assignment(officer, submitted_case):
    casework.claim_case(case=submitted_case, officer=officer)
    _approve(submitted_case, officer)
    assert CaseAssignment.objects.get().ended_at is not None


def test_internal_notes_are_for_officers_only(client, officer, submitted_case):
    client.force_login(officer)
    client.post(
        f"/compliance/cases/{submitted_case.pk}/notes/", {"text": "Called the bank: confirmed"}
    )
    note = CaseNote.objects.get()
    assert (note.author, note.text) == (officer, "Called the bank: confirmed")
    assert AuditEvent.objects.get(action="case.note").after["note"] == note.pk
    assert (
        "Called the bank" in client.get(f"/compliance/cases/{submitted_case.pk}/").content.decode()
    )
    with pytest.raises(ValueError, match="never edited"):
        note.text = "changed"
        note.save()
    client.force_login(submitted_case.user)
    page = client.get("/onboarding/", REMOTE_ADDR="85.214.1.2").content.decode()
    assert "Called the bank" not in page


def test_the_case_shows_its_age_against_the_deadline(client, officer, submitted_case):
    late = timezone.now() - timedelta(days=7)
    KycCase.objects.filter(pk=submitted_case.pk).update(queued_at=late)
    client.force_login(officer)
    page = client.get(f"/compliance/cases/{submitted_case.pk}/").content.decode()
    assert "overdue by 2" in page
    queue = client.get("/compliance/").content.decode()
    assert "overdue since" in queue


def test_an_officer_sets_the_document_expiry_and_an_expired_one_blocks_approval(
    client, officer, submitted_case
):
    document = _document(submitted_case)
    client.force_login(officer)
    yesterday = timezone.localdate() - timedelta(days=1)
    client.post(
        f"/compliance/documents/{document.pk}/expiry/", {"expires_on": yesterday.isoformat()}
    )
    document.refresh_from_db()
    assert document.expires_on == yesterday
    event = AuditEvent.objects.get(action="document.expiry")
    assert event.after == {"case": submitted_case.pk, "expires_on": yesterday.isoformat()}
    with pytest.raises(ComplianceError, match="identity document expired"):
        decisions.decide_case(
            case=submitted_case, officer=officer, decision="approve", reason_code="verified"
        )
    casework.set_document_expiry(document=document, officer=officer, expires_on=date(2035, 1, 1))
    assert _approve(submitted_case, officer).state == "approved"


def test_expired_documents_and_periodic_reviews_reopen_approved_cases_once(
    officer, second_officer, settings
):
    expired = KycCaseFactory()
    _document(expired, expires_on=timezone.localdate() + timedelta(days=30))
    cases.transition_case(case=expired, to_state="submitted", actor=expired.user)
    _approve(expired, officer)
    KycDocument.objects.filter(case=expired).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    high, normal, fresh = KycCaseFactory(), KycCaseFactory(), KycCaseFactory()
    for case in (high, normal, fresh):
        cases.transition_case(case=case, to_state="submitted", actor=case.user)
    KycCase.objects.filter(pk=high.pk).update(high_risk=True)
    high.refresh_from_db()
    decisions.decide_case(case=high, officer=officer, decision="approve", reason_code="verified")
    _approve(high, second_officer)
    _approve(normal, officer)
    _approve(fresh, officer)
    long_ago = timezone.now() - timedelta(days=settings.KYC_PERIODIC_REVIEW_DAYS_HIGH_RISK + 1)
    KycCase.objects.filter(pk__in=[high.pk, normal.pk]).update(decided_at=long_ago)

    due = open_due_reviews()
    assert due.document_expired == [expired.pk]
    assert due.periodic == [high.pk]  # normal risk: every KYC_PERIODIC_REVIEW_DAYS
    expired.refresh_from_db()
    assert expired.state == "in_review" and "Identity document expired" in expired.risk_reasons[-1]
    assert KycCase.objects.get(pk=fresh.pk).state == "approved"
    assert KycCase.objects.get(pk=normal.pk).state == "approved"
    # Idempotent: nothing is reopened twice.
    again = open_due_reviews()
    assert again.document_expired == [] and again.periodic == []
    assert AuditEvent.objects.filter(action="case.review_opened").count() == 2


def test_every_case_work_action_needs_the_compliance_group(client, submitted_case):
    outsider = KycCaseFactory().user
    client.force_login(outsider)
    for url in (
        f"/compliance/cases/{submitted_case.pk}/claim/",
        f"/compliance/cases/{submitted_case.pk}/reassign/",
        f"/compliance/cases/{submitted_case.pk}/notes/",
        "/compliance/documents/1/expiry/",
    ):
        assert client.post(url, {"text": "x", "reason": "x"}).status_code == 403
    assert not CaseAssignment.objects.exists() and not CaseNote.objects.exists()


def test_case_work_posts_need_a_csrf_token(officer, submitted_case):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(f"/compliance/cases/{submitted_case.pk}/claim/")
    assert response.status_code == 403 and not CaseAssignment.objects.exists()


def test_a_second_officer_in_another_group_is_not_an_assignee(officer, submitted_case):
    stranger = make_officer("stranger@example.org")
    stranger.groups.clear()
    with pytest.raises(ComplianceError, match="compliance officers only"):
        casework.reassign_case(
            case=submitted_case, officer=officer, to_officer=stranger, reason="x"
        )
