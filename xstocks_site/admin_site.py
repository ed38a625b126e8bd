"""The admin site: with COMPLIANCE_REQUIRE_OTP, staff must confirm a TOTP code to use it.

django-otp's OTPAdminSite asks for the code on the log-in form and treats an
unverified session as not staff. Without the setting (development) it is Django's
plain admin.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class SiteAdmin(OTPAdminSite):
    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    @property
    def login_form(self):
        if settings.COMPLIANCE_REQUIRE_OTP:
            return OTPAdminAuthenticationForm
        return AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.COMPLIANCE_REQUIRE_OTP else None

    def has_permission(self, request) -> bool:
        if settings.COMPLIANCE_REQUIRE_OTP:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)
