"""The demo world's back office: after `make run` the demo officer finds sample cases in
every state, made by the site's own services (documents that pass its own checks)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.devchain.demo_back_office import (
    APPLICANTS,
    DEMO_DOMAIN,
    OFFICER,
    STATE_OF,
    seed_back_office,
)
from apps.onboarding.models import (
    CaseState,
    KycCase,
    KycDocument,
    ScreeningHit,
    Wallet,
)
from apps.onboarding.services.documents import identify, kyc_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.KYC_STORAGE_DIR = tmp_path / "kyc"
    settings.VAR_DIR = tmp_path


def _log_in(client, username: str, password: str) -> bool:
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def test_the_demo_officer_sees_sample_cases_in_every_state(client):
    demo = seed_back_office()
    assert set(demo.created) == {a.key for a in APPLICANTS}
    states = dict(KycCase.objects.values_list("user__username", "state"))
    for applicant in APPLICANTS:
        assert states[f"{applicant.key}@{DEMO_DOMAIN}"] == STATE_OF[applicant.state]
    assert set(states.values()) == set(CaseState.values)

    # Logging in as the printed officer with the printed password, like a newcomer would.
    assert _log_in(client, OFFICER, demo.password)
    body = client.get("/compliance/?state=all").content.decode()
    for applicant in APPLICANTS:
        assert applicant.name in body
    for label in (
        "Draft",
        "Submitted",
        "In review",
        "Approved",
        "Rejected",
        "More information needed",
    ):
        assert f">{label}<" in body

    # The name hit is real screening; the second approval is pending; the wallets verified.
    chiara = KycCase.objects.get(user__username=f"chiara@{DEMO_DOMAIN}")
    assert ScreeningHit.objects.get(case=chiara).source == "demo-fictitious-list"
    dmitri = KycCase.objects.get(user__username=f"dmitri@{DEMO_DOMAIN}")
    assert dmitri.high_risk and dmitri.decisions.get().final is False
    elena = KycCase.objects.get(user__username=f"elena@{DEMO_DOMAIN}")
    assert set(Wallet.objects.allowlist().values_list("kind", flat=True)) == {"evm", "solana"}
    assert all(w.user_id == elena.user_id for w in Wallet.objects.allowlist())
    # Every sample document is stored and passes the site's own checks again.
    for document in KycDocument.objects.all():
        with kyc_storage().open(document.storage_name, "rb") as handle:
            assert identify(handle.read()) == document.content_type
    page = client.get(f"/compliance/cases/{chiara.pk}/").content.decode()
    assert "Demo note" in page and "Chiara Verdi (demo)" in page


def test_seeding_again_adds_nothing_and_changes_the_password(client, capsys):
    first = seed_back_office()
    call_command("seed_demo_back_office", "--base-url", "http://127.0.0.1:8117")
    printed = capsys.readouterr().out
    assert f"as {OFFICER}" in printed and "http://127.0.0.1:8117/accounts/login/" in printed
    assert KycCase.objects.count() == len(APPLICANTS)
    assert not _log_in(client, OFFICER, first.password)
    assert "no second factor" in printed


def test_with_a_second_factor_the_otpauth_url_is_printed(settings):
    settings.COMPLIANCE_REQUIRE_OTP = True
    demo = seed_back_office()
    assert demo.otpauth_url.startswith("otpauth://totp/")
    assert demo.otpauth_url in "\n".join(demo.lines("http://127.0.0.1:8000"))
