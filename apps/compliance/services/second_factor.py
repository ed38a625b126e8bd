"""The officers' second factor (django-otp TOTP): confirming a code, enrolling a device."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import record

MAX_TOKEN = 8  # digits of a TOTP code


def confirm_code(*, request: HttpRequest, token: str, ip: str | None) -> bool:
    """Mark this session verified when `token` matches one of the user's devices.

    django-otp throttles a device after a wrong code (1 s, doubling). A success is audited.
    """
    token = token.strip()[:MAX_TOKEN]
    device = match_token(request.user, token) if token.isdigit() else None
    if device is None:
        return False
    otp_login(request, device)
    record(actor=request.user, action="staff.otp_verified", obj=request.user, ip=ip)
    return True


def enrol_totp(*, user: AbstractBaseUser, name: str) -> TOTPDevice:
    """A new confirmed TOTP device for `user`; its config_url goes into an authenticator."""
    device = TOTPDevice.objects.create(user=user, name=name[:64], confirmed=True)
    record(actor=None, action="staff.totp_enrolled", obj=user, after={"device": device.name})
    return device
