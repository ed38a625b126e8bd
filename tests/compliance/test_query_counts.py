"""The back-office pages run a fixed number of SQL queries whatever the number of rows
(README: "List pages assert their SQL query counts at two sizes"). The counts are pinned:
a page that starts asking more fails here.

Every count includes 6 for the officer: session and user (2), the group check (1), and the
staff session's save that slides its idle window (savepoint, UPDATE, release: 3). The queue
adds the cases (1) and the counts per state (1).
"""

from __future__ import annotations

import pytest

from apps.compliance.services.rules import set_rule
from apps.jurisdictions.models import AccessLogEntry, JurisdictionRule
from apps.onboarding.models import KycDocument, ScreeningHit
from apps.onboarding.services.cases import transition_case
from tests.factories import DeclarationFactory, KycCaseFactory

pytestmark = pytest.mark.django_db

SIZES = [3, 30]


def _submitted_cases(n: int) -> None:
    for _ in range(n):
        case = KycCaseFactory()
        transition_case(case=case, to_state="submitted", actor=case.user)


def _get(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/compliance/", 8),
        ("/compliance/?risk=high&sort=newest&state=all&country=DE", 8),
        ("/compliance/reports/", 10),
    ],
)
def test_queue_and_reports(client, officer, django_assert_num_queries, size, url, queries):
    _submitted_cases(size)
    client.force_login(officer)
    with django_assert_num_queries(queries):
        _get(client, url)


@pytest.mark.parametrize("size", SIZES)
def test_case_page(client, officer, submitted_case, django_assert_num_queries, size):
    profile = submitted_case.declaration.profile
    for i in range(size):
        KycDocument.objects.create(
            case=submitted_case,
            kind="identity",
            original_name=f"p{i}.png",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
            storage_name=f"s-{i}",
            uploaded_by=submitted_case.user,
        )
        ScreeningHit.objects.create(
            case=submitted_case,
            source="ofac-sdn",
            external_id=str(i),
            entry_name="X",
            matched_name="X",
            score="90",
            name_score="90",
        )
        DeclarationFactory(profile=profile)
    client.force_login(officer)
    with django_assert_num_queries(13):
        _get(client, f"/compliance/cases/{submitted_case.pk}/")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("url", "queries"), [("/compliance/rules/", 8), ("/compliance/access-log/", 8)]
)
def test_rules_and_access_log(client, officer, django_assert_num_queries, size, url, queries):
    for i in range(size):
        code = f"Q{chr(65 + i % 26)}"
        set_rule(officer=officer, country=code, status="review", reason=f"r{i}", legal_basis="b")
        rule = JurisdictionRule.objects.filter(country=code).first()
        AccessLogEntry.objects.create(country=code, path="/onboarding/", ip_prefix="x", rule=rule)
        AccessLogEntry.objects.create(country="", path="/onboarding/", ip_prefix="y")
    client.force_login(officer)
    with django_assert_num_queries(queries):
        _get(client, url)
