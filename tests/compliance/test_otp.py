from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.compliance.models import AuditEvent

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
