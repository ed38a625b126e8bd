"""Who counts as compliance staff."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


def is_compliance_officer(user) -> bool:
    """An active member of the Compliance group (settings.COMPLIANCE_GROUP)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_is_compliance_officer", None)
    if cached is None:
        cached = user.groups.filter(name=settings.COMPLIANCE_GROUP).exists()
        user._is_compliance_officer = cached
    return cached


def compliance_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in redirect for anonymous users, 403 for everyone outside the Compliance group.

    With settings.COMPLIANCE_REQUIRE_OTP (on in production) an officer must also
    have confirmed a TOTP code in this session (django-otp).
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_compliance_officer(request.user):
            raise PermissionDenied
        if settings.COMPLIANCE_REQUIRE_OTP and not request.user.is_verified():
            return redirect(
                f"{reverse('compliance:otp')}?{urlencode({'next': request.get_full_path()})}"
            )
        return view(request, *args, **kwargs)

    return wrapped
