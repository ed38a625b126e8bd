from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from apps.onboarding.geo import client_ip

from . import audit
from .access import is_compliance_officer


@receiver(user_logged_in, dispatch_uid="compliance.audit_staff_login")
def audit_staff_login(sender, request, user, **kwargs) -> None:
    """Every log-in of a compliance officer is an audit event."""
    if is_compliance_officer(user):
        audit.record(
            actor=user,
            action="staff.login",
            obj=user,
            ip=client_ip(request) if request is not None else None,
        )
