"""Investors whose access is suspended: an approved case reopened for review (a
re-screening hit, a listed wallet, a flagged transfer, an expired document, a periodic
review) shuts the investor-only pages (INVESTOR_ONLY_PATH_PREFIXES) until an officer
decides. The jurisdiction gate asks `suspended_investor_hold` on every request
(registered in OnboardingConfig.ready); the onboarding views check approval themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import access_suspended


def is_investor_only_path(path_info: str) -> bool:
    return any(path_info.startswith(p) for p in settings.INVESTOR_ONLY_PATH_PREFIXES)


def suspended_investor_hold(request: HttpRequest) -> HttpResponse | None:
    """403 on an investor-only page for a logged-in investor whose access is suspended."""
    if not is_investor_only_path(request.path_info):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not access_suspended(user=user):
        return None
    response = render(request, "onboarding/suspended.html", status=403)
    response["Cache-Control"] = "no-store"
    return response
