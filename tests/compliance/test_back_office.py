from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.compliance.services import decisions
from apps.jurisdictions.models import AccessLogEntry, JurisdictionRule
from apps.onboarding.models import KycCase
from apps.onboarding.services import documents
from apps.onboarding.services.cases import transition_case
from tests.factories import InvestorProfileFactory, KycCaseFactory, UserFactory
from tests.onboarding.conftest import PNG

pytestmark = pytest.mark.django_db

DE_IP = "85.214.132.117"

PAGES = [
    "/compliance/",
    "/compliance/rules/",
    "/compliance/access-log/",
    "/compliance/reports/",
    "/compliance/audit.csv",
    "/compliance/allowlist.csv",
    "/compliance/allowlist.json",
]


@pytest.mark.parametrize("url", PAGES)
def test_only_compliance_officers_reach_the_back_office(client, url, submitted_case, officer):
    assert client.get(url).status_code == 302  # anonymous: log-in redirect
    client.force_login(submitted_case.user)  # investor
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(username="charlie@example.org"))  # outsider
    assert client.get(url).status_code == 403
    client.force_login(officer)
    assert client.get(url).status_code == 200


def test_investor_cannot_open_a_case_or_decide(client, submitted_case):
    client.force_login(submitted_case.user)
    assert client.get(f"/compliance/cases/{submitted_case.pk}/").status_code == 403
    response = client.post(
        f"/compliance/cases/{submitted_case.pk}/decide/",
        {"decision": "approve", "reason_code": "verified"},
    )
    assert response.status_code == 403
    assert KycCase.objects.get().state == "submitted"


def test_officer_can_read_any_kyc_document_and_the_view_is_audited(client, submitted_case, officer):
    case = KycCaseFactory()
    doc = documents.store_document(
        case=case, kind="identity", upload=SimpleUploadedFile("p.png", PNG), user=case.user
    )
    client.force_login(officer)
    response = client.get(f"/onboarding/documents/{doc.pk}/", REMOTE_ADDR=DE_IP)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="document.view")
    assert (event.actor, event.object_id, event.ip_address) == (officer, str(doc.pk), DE_IP)


def test_queue_filters_and_htmx_partial(client, officer, high_risk_case):
    KycCaseFactory(declaration__residence_country="FR")  # a draft: not in the queue
    client.force_login(officer)
    body = client.get("/compliance/?risk=high").content.decode()
    assert f"/compliance/cases/{high_risk_case.pk}/" in body
    body = client.get("/compliance/?risk=normal").content.decode()
    assert f"/compliance/cases/{high_risk_case.pk}/" not in body
    partial = client.get("/compliance/?country=DE", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="queue-table"' in partial
    assert 'id="state-counts"' in partial  # the per-state counts update in place


def test_high_risk_approval_through_the_pages_needs_two_officers(
    client, officer, second_officer, high_risk_case
):
    url = f"/compliance/cases/{high_risk_case.pk}/decide/"
    data = {"decision": "approve", "reason_code": "screening_cleared", "note": "Different DOB"}
    client.force_login(officer)
    client.post(url, data)
    assert KycCase.objects.get().state == "in_review"
    response = client.post(url, data, follow=True)
    assert "second officer must approve" in response.content.decode()
    assert KycCase.objects.get().state == "in_review"
    client.force_login(second_officer)
    client.post(url, data)
    assert KycCase.objects.get().state == "approved"
    decisions = AuditEvent.objects.filter(action__startswith="case.approve")
    assert list(decisions.order_by("id").values_list("action", flat=True)) == [
        "case.approve_first",
        "case.approve",
    ]


def test_added_blocked_rule_refuses_onboarding_on_the_next_request(client, officer):
    investor = InvestorProfileFactory()
    client.force_login(investor.user)
    assert client.get("/onboarding/", REMOTE_ADDR=DE_IP).status_code == 200
    client.force_login(officer)
    before = AuditEvent.objects.count()
    response = client.post(
        "/compliance/rules/",
        {
            "country": "de",
            "status": "blocked",
            "reason": "New national ban",
            "legal_basis": "Test Act s. 1",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="rule.set")
    assert event.after["country"] == "DE" and event.before is None
    client.force_login(investor.user)
    assert client.get("/onboarding/", REMOTE_ADDR=DE_IP).status_code == 451


def test_changing_a_rule_ends_the_old_one_and_keeps_history(client, officer):
    client.force_login(officer)
    data = {"country": "CN", "status": "review", "reason": "Eased", "legal_basis": "New terms"}
    client.post("/compliance/rules/", data)
    rules = JurisdictionRule.objects.filter(country="CN").order_by("effective_from")
    assert [r.status for r in rules] == ["blocked", "review"]
    assert rules[0].effective_to is not None and rules[1].effective_to is None
    event = AuditEvent.objects.get(action="rule.set")
    assert event.before["status"] == "blocked" and event.after["status"] == "review"
    # Ending needs a reason.
    new = rules[1]
    client.post(f"/compliance/rules/{new.pk}/end/", {"reason": ""})
    assert JurisdictionRule.objects.in_force().filter(country="CN").exists()
    client.post(f"/compliance/rules/{new.pk}/end/", {"reason": "Superseded"})
    assert not JurisdictionRule.objects.in_force().filter(country="CN").exists()
    assert AuditEvent.objects.get(action="rule.end").after["reason_for_ending"] == "Superseded"


def test_bad_rule_is_refused_with_the_reason(client, officer):
    client.force_login(officer)
    response = client.post(
        "/compliance/rules/",
        {
            "country": "DE",
            "region": "FR-75",
            "status": "blocked",
            "reason": "x",
            "legal_basis": "y",
        },
    )
    assert "ISO 3166-2 code of DE" in response.content.decode()
    assert not JurisdictionRule.objects.filter(country="DE").exists()


def test_staff_log_in_is_audited_but_investor_log_in_is_not(client, officer):
    from tests.factories import TEST_PASSWORD

    investor = InvestorProfileFactory()
    client.post("/accounts/login/", {"username": investor.user.username, "password": TEST_PASSWORD})
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": officer.username, "password": TEST_PASSWORD})
    logins = AuditEvent.objects.exclude(action="officer.grant")
    assert list(logins.values_list("action", "actor")) == [("staff.login", officer.pk)]


def test_audit_export_by_date_range_is_itself_audited(client, officer, submitted_case):
    decisions.decide_case(
        case=submitted_case, officer=officer, decision="approve", reason_code="verified"
    )
    client.force_login(officer)
    today = timezone.now().date().isoformat()
    response = client.get(f"/compliance/audit.csv?start={today}&end={today}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    # The fixture's grant, then the decision; force_login is a log-in too.
    assert [r["action"] for r in rows] == ["officer.grant", "case.approve", "staff.login"]
    assert AuditEvent.objects.filter(action="audit.export").count() == 1
    empty = client.get("/compliance/audit.csv?start=2000-01-01&end=2000-01-02")
    assert len(empty.content.decode().strip().splitlines()) == 1  # the header only


def test_access_log_is_searchable(client, officer):
    AccessLogEntry.objects.create(country="IR", path="/onboarding/", ip_prefix="81.2.69.0/24")
    AccessLogEntry.objects.create(country="US", path="/onboarding/", ip_prefix="93.184.216.0/24")
    client.force_login(officer)
    body = client.get("/compliance/access-log/?country=ir").content.decode()
    assert "81.2.69.0/24" in body and "93.184.216.0/24" not in body


def test_investor_sees_what_to_send_and_can_resubmit(client, officer, submitted_case):
    decisions.decide_case(
        case=submitted_case,
        officer=officer,
        decision="more_info",
        reason_code="document_unreadable",
        note="Your passport scan is cut off; send all four corners.",
    )
    client.force_login(submitted_case.user)
    body = client.get("/onboarding/", REMOTE_ADDR=DE_IP).content.decode()
    assert "We need more from you:" in body
    assert "send all four corners" in body
    assert "Submit my application" in body


def test_reports_show_rates_medians_risk_and_overdue(client, officer, second_officer):
    from datetime import timedelta

    cases = [KycCaseFactory(declaration__residence_country=c) for c in ("DE", "DE", "FR", "AT")]
    for case in cases:
        transition_case(case=case, to_state="submitted", actor=case.user)
    # Submitted (and in the queue since) ten days ago: past the five-day deadline.
    ten_days_ago = timezone.now() - timedelta(days=10)
    KycCase.objects.filter(pk=cases[3].pk).update(
        submitted_at=ten_days_ago, queued_at=ten_days_ago, high_risk=True
    )
    decisions.decide_case(
        case=cases[0], officer=officer, decision="approve", reason_code="verified"
    )
    decisions.decide_case(
        case=cases[1], officer=officer, decision="reject", reason_code="other", note="No"
    )
    client.force_login(second_officer)
    body = client.get("/compliance/reports/").content.decode()
    assert "50.0 %" in body  # one approved, one rejected
    assert "Past the 5-day deadline" in body
    from apps.compliance.selectors import case_report

    report = case_report()
    assert report["open_high_risk"] == 1 and report["past_deadline"] == 1
    assert report["median_hours"] is not None and report["median_hours"] < 1
    assert dict(report["rows"])["DE"][CaseStateIndex.APPROVED] == 1


class CaseStateIndex:
    APPROVED = 3  # draft, submitted, in_review, approved, rejected, more_info


def test_access_log_chart_has_one_trace_per_country(client, officer):
    from apps.compliance.charts import refusals_figure
    from apps.compliance.selectors import refusals_per_country_per_day

    for country in ("IR", "IR", "US"):
        AccessLogEntry.objects.create(country=country, path="/onboarding/", ip_prefix="x")
    figure = refusals_figure(refusals_per_country_per_day())
    assert [(t["type"], t["name"], sum(t["y"])) for t in figure["data"]] == [
        ("bar", "IR", 2),
        ("bar", "US", 1),
    ]
    assert figure["layout"]["barmode"] == "stack"
    client.force_login(officer)
    body = client.get("/compliance/access-log/").content.decode()
    assert 'id="blocks-data"' in body and "vendor/plotly.min.js" in body


def test_access_log_search_by_path_and_date(client, officer):
    from datetime import timedelta

    old = AccessLogEntry.objects.create(
        country="IR",
        path="/accounts/signup/",
        ip_prefix="81.2.69.0/24",
        created_at=timezone.now() - timedelta(days=3),
    )
    AccessLogEntry.objects.create(country="IR", path="/onboarding/", ip_prefix="5.160.0.0/24")
    client.force_login(officer)
    body = client.get("/compliance/access-log/?path=signup").content.decode()
    assert "81.2.69.0/24" in body and "5.160.0.0/24" not in body
    day = old.created_at.date().isoformat()
    body = client.get(f"/compliance/access-log/?start={day}&end={day}").content.decode()
    assert "81.2.69.0/24" in body and "5.160.0.0/24" not in body


def test_queue_shows_overdue_cases(client, officer, submitted_case):
    from datetime import timedelta

    fresh = KycCaseFactory()
    transition_case(case=fresh, to_state="submitted", actor=fresh.user)
    month_ago = timezone.now() - timedelta(days=30)
    KycCase.objects.filter(pk=submitted_case.pk).update(submitted_at=month_ago, queued_at=month_ago)
    client.force_login(officer)
    body = client.get("/compliance/?age=overdue").content.decode()
    assert f"/compliance/cases/{submitted_case.pk}/" in body
    assert f"/compliance/cases/{fresh.pk}/" not in body


def test_back_office_link_shows_for_officers_only(client, officer):
    investor = InvestorProfileFactory()
    client.force_login(investor.user)
    assert "Back office" not in client.get("/tokens/").content.decode()
    client.force_login(officer)
    assert 'href="/compliance/"' in client.get("/tokens/").content.decode()


def test_create_officer_command_grants_the_group_once_and_audits_it(monkeypatch, capsys):
    from django.contrib.auth.models import User
    from django.core.management import call_command

    monkeypatch.setenv("OFFICER_PASSWORD", "a-Long-and-unusual-pass-93")
    call_command("create_officer", "Officer@Example.com")
    user = User.objects.get(username="officer@example.com")
    assert user.groups.filter(name="Compliance").exists()
    assert user.check_password("a-Long-and-unusual-pass-93")
    call_command("create_officer", "officer@EXAMPLE.com")
    assert "already a compliance officer" in capsys.readouterr().out
    event = AuditEvent.objects.get(action="officer.grant")
    assert event.object_id == str(user.pk)
    assert event.after == {"group": "Compliance", "via": "manage.py create_officer"}
