"""Every query parameter of the back office: a bad value answers 400 with the reason."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/compliance/audit.csv?start=2026-01-01&end=9999-12-31", "between 2000-01-01"),
        ("/compliance/audit.csv?start=0001-01-01&end=2026-01-01", "between 2000-01-01"),
        ("/compliance/audit.csv?start=2026-02-30&end=2026-03-01", "Enter a valid date"),
        ("/compliance/audit.csv?start=2026-03-01&end=2026-02-01", "start date is after"),
        ("/compliance/audit.csv?start=1e20&end=x", "Enter a valid date"),
        ("/compliance/audit.csv?start=2026-01-01", "This field is required"),
        ("/compliance/?state=bogus", "state: Select a valid choice"),
        ("/compliance/?country=XX", "country: Select a valid choice"),
        ("/compliance/?sort=id;drop", "sort: Select a valid choice"),
        ("/compliance/?risk=1e20", "risk: Select a valid choice"),
        ("/compliance/access-log/?end=9999-12-31", "end: Give a date between"),
        ("/compliance/access-log/?start=2026-13-01", "start: Enter a valid date"),
        ("/compliance/access-log/?country=Iran", "country: "),
        ("/compliance/access-log/?path=" + "a" * 500, "path: Ensure this value has at most"),
    ],
)
def test_bad_parameters_answer_400_with_the_reason(client, officer, url, reason):
    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_audit_form_without_parameters_is_the_form(client, officer):
    client.force_login(officer)
    response = client.get("/compliance/audit.csv")
    assert response.status_code == 200 and 'name="start"' in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/compliance/cases/99999999999999999999/", "/compliance/cases/9223372036854775808/"]
)
def test_huge_case_number_is_not_found(client, officer, url):
    client.force_login(officer)
    assert client.get(url).status_code == 404


def test_huge_document_number_is_not_found(client, officer):
    client.force_login(officer)
    assert client.get("/onboarding/documents/99999999999999999999/").status_code == 404


def test_oversized_rule_and_note_are_refused(client, officer, submitted_case):
    client.force_login(officer)
    response = client.post(
        "/compliance/rules/",
        {"country": "DE", "status": "blocked", "reason": "x" * 5000, "legal_basis": "b"},
    )
    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    response = client.post(
        f"/compliance/cases/{submitted_case.pk}/decide/",
        {"decision": "reject", "reason_code": "other", "note": "n" * 5000},
        follow=True,
    )
    assert "at most 2000 characters" in response.content.decode()
    submitted_case.refresh_from_db()
    assert submitted_case.state == "submitted"
    response = client.post("/compliance/rules/1/end/", {"reason": "r" * 5000})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (
            "/compliance/rules/",
            {"country": "DE", "status": "blocked", "reason": "r", "legal_basis": "b"},
        ),
        ("/compliance/cases/{pk}/decide/", {"decision": "approve", "reason_code": "verified"}),
    ],
)
def test_back_office_posts_need_the_csrf_token(officer, submitted_case, url, data):
    from django.test import Client

    from apps.jurisdictions.models import JurisdictionRule

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(url.format(pk=submitted_case.pk), data)
    assert response.status_code == 403
    assert not JurisdictionRule.objects.filter(country="DE").exists()
    submitted_case.refresh_from_db()
    assert submitted_case.state == "submitted"
