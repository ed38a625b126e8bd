from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_on(settings):
    settings.COMPLIANCE_REQUIRE_OTP = True


def _code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def test_officer_must_confirm_a_totp_code_when_required(client, officer, otp_on):
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client.force_login(officer)
    response = client.get("/compliance/rules/")
    assert response.status_code == 302
    assert response.url == "/compliance/otp/?next=%2Fcompliance%2Frules%2F"
    bad = client.post("/compliance/otp/", {"token": "000000", "next": "/compliance/rules/"})
    assert "not valid" in bad.content.decode()
    assert client.get("/compliance/").status_code == 302
    # django-otp throttles after a failure (1 s, doubling); skip the wait.
    TOTPDevice.objects.get(pk=device.pk).throttle_reset()
    good = client.post("/compliance/otp/", {"token": _code(device), "next": "/compliance/rules/"})
    assert good.status_code == 302 and good.url == "/compliance/rules/"
    assert client.get("/compliance/").status_code == 200
    assert AuditEvent.objects.filter(action="staff.otp_verified", actor=officer).count() == 1


def test_officer_without_device_is_told_to_enrol(client, officer, otp_on):
    client.force_login(officer)
    body = client.get("/compliance/otp/").content.decode()
    assert "no authenticator is enrolled" in body


def test_second_factor_page_does_not_redirect_off_site(client, officer, otp_on):
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client.force_login(officer)
    response = client.post(
        "/compliance/otp/", {"token": _code(device), "next": "https://evil.example/"}
    )
    assert response.url == "/compliance/"


def test_investor_cannot_use_the_second_factor_page(client, submitted_case, otp_on):
    client.force_login(submitted_case.user)
    assert client.get("/compliance/otp/").status_code == 403


def test_not_required_in_development_by_default(client, officer):
    client.force_login(officer)
    assert client.get("/compliance/").status_code == 200


# Every staff capability needs the confirmed code ------------------------------------

STAFF_GETS = [
    "/compliance/",
    "/compliance/rules/",
    "/compliance/access-log/",
    "/compliance/reports/",
    "/compliance/audit.csv?start=2026-01-01&end=2026-01-02",
    "/compliance/allowlist.csv",
    "/compliance/allowlist.json",
    "/custody/statements/upload/",
]


def _confirm(client, device) -> None:
    TOTPDevice.objects.get(pk=device.pk).throttle_reset()
    response = client.post("/compliance/otp/", {"token": _code(device), "next": "/compliance/"})
    assert response.status_code == 302


@pytest.mark.parametrize("url", STAFF_GETS)
def test_officer_without_a_confirmed_code_gets_no_staff_page(client, officer, otp_on, url):
    TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/compliance/otp/?next=")
    assert not AuditEvent.objects.filter(action__endswith=".export").exists()


def test_officer_without_a_confirmed_code_gets_no_kyc_document(client, officer, otp_on):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.onboarding.services.documents import store_document
    from tests.factories import KycCaseFactory
    from tests.onboarding.conftest import PNG

    case = KycCaseFactory()
    doc = store_document(
        case=case, kind="identity", upload=SimpleUploadedFile("p.png", PNG), user=case.user
    )
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client.force_login(officer)
    response = client.get(f"/onboarding/documents/{doc.pk}/", REMOTE_ADDR="85.214.132.117")
    assert response.status_code == 302 and response.url.startswith("/compliance/otp/")
    assert not hasattr(response, "streaming_content")
    assert not AuditEvent.objects.filter(action="document.view").exists()
    _confirm(client, device)
    response = client.get(f"/onboarding/documents/{doc.pk}/", REMOTE_ADDR="85.214.132.117")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    # The owner needs no second factor for their own document.
    client.force_login(case.user)
    assert client.get(f"/onboarding/documents/{doc.pk}/").status_code == 200


def test_permission_holder_without_a_confirmed_code_gets_no_upload_form(client, otp_on):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    dora = UserFactory(username="dora@example.org")
    dora.user_permissions.add(Permission.objects.get(codename="add_holdingstatement"))
    device = TOTPDevice.objects.create(user=dora, name="phone", confirmed=True)
    client.force_login(dora)
    response = client.get("/custody/statements/upload/")
    assert response.status_code == 302 and "/compliance/otp/" in response.url
    assert "<form" not in response.content.decode()
    _confirm(client, device)
    assert client.get("/custody/statements/upload/").status_code == 200


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (
            "/compliance/rules/",
            {"country": "DE", "status": "blocked", "reason": "r", "legal_basis": "b"},
        ),
        ("/compliance/rules/1/end/", {"reason": "x"}),
        ("/compliance/cases/1/decide/", {"decision": "approve", "reason_code": "verified"}),
    ],
)
def test_officer_without_a_confirmed_code_changes_nothing(client, officer, otp_on, url, data):
    from apps.jurisdictions.models import JurisdictionRule

    rules_before = list(JurisdictionRule.objects.values_list("pk", "effective_to"))
    client.force_login(officer)
    response = client.post(url, data)
    assert response.status_code == 302 and response.url.startswith("/compliance/otp/")
    assert list(JurisdictionRule.objects.values_list("pk", "effective_to")) == rules_before
    assert not AuditEvent.objects.exclude(action__in=["officer.grant", "staff.login"]).exists()


def test_admin_requires_the_confirmed_code(client, otp_on):
    from tests.factories import UserFactory

    root = UserFactory(username="root@example.org", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    client.force_login(root)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert "otp_token" in client.get(response.url).content.decode()
    _confirm(client, device)
    assert client.get("/admin/").status_code == 200


def test_admin_without_the_setting_is_django_s_admin(client):
    from tests.factories import UserFactory

    root = UserFactory(username="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
