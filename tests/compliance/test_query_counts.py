"""The back-office pages run a fixed number of SQL queries whatever the number of rows
(README: "List pages assert their SQL query counts at two sizes"). The counts are pinned:
a page that starts asking more fails here.

Every count includes 6 for the officer: session and user (2), the group check (1), and the
staff session's save that slides its idle window (savepoint, UPDATE, release: 3). The queue
adds the officers of the assignee filter (1), the cases with their assignee (1) and the
counts per state (1). The case page: the case, declarations, documents, hits with their
wallets, history, decisions, wallets, assignments, notes, flagged transfers and officers.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.compliance.services.casework import add_note, claim_case, reassign_case
from apps.compliance.services.rules import set_rule
from apps.jurisdictions.models import AccessLogEntry, JurisdictionRule
from apps.onboarding.models import KycDocument, ScreeningHit, Wallet, WalletTransfer
from apps.onboarding.services.cases import transition_case
from tests.factories import DeclarationFactory, DeploymentFactory, KycCaseFactory, evm_address

pytestmark = pytest.mark.django_db

SIZES = [3, 30]


def _submitted_cases(n: int, officer=None) -> None:
    for i in range(n):
        case = KycCaseFactory()
        transition_case(case=case, to_state="submitted", actor=case.user)
        if officer is not None and i % 2:
            claim_case(case=case, officer=officer)


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/compliance/", 9),
        ("/compliance/?risk=high&sort=newest&state=all&country=DE", 9),
        ("/compliance/?assignee=me", 9),
        ("/compliance/?assignee=none&age=overdue", 9),
        ("/compliance/reports/", 11),
    ],
)
def test_queue_and_reports(client, officer, django_assert_num_queries, size, url, queries):
    _submitted_cases(size, officer)
    client.force_login(officer)
    with django_assert_num_queries(queries):
        _get(client, url)


@pytest.mark.parametrize("size", SIZES)
def test_case_page(
    client, officer, second_officer, submitted_case, django_assert_num_queries, size
):
    profile = submitted_case.declaration.profile
    deployment = DeploymentFactory()
    chain = deployment.chain
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
        add_note(case=submitted_case, officer=officer, text=f"note {i}")
        reassign_case(
            case=submitted_case,
            officer=officer,
            to_officer=officer if i % 2 else second_officer,
            reason=f"r{i}",
        )
        wallet = Wallet.objects.create(
            user=submitted_case.user,
            kind="evm",
            address=evm_address(f"w{i}"),
            verified_at=timezone.now(),
        )
        hit = ScreeningHit.objects.create(
            case=submitted_case,
            kind="wallet",
            wallet=wallet,
            source="ofac-sdn",
            external_id=f"w{i}",
            entry_name="X",
            matched_name=f"ETH {wallet.address}",
            score="100",
            name_score="100",
        )
        WalletTransfer.objects.create(
            chain=chain,
            deployment=deployment,
            tx_hash=f"0x{i:064x}",
            log_index=0,
            block_number=i,
            from_address=wallet.address,
            to_address=evm_address("listed"),
            raw_amount=1,
            from_wallet=wallet,
            flagged_at=timezone.now(),
            listed=[{"address": "0x", "source": hit.source, "external_id": "1", "name": "X"}],
        )
    client.force_login(officer)
    with django_assert_num_queries(17):
        body = _get(client, f"/compliance/cases/{submitted_case.pk}/")
    assert body.count("https://etherscan.io/tx/0x") == size


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
