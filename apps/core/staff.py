"""Staff access, in one place for every app: who is a compliance officer, whether the
second factor is confirmed, and how long a staff session may sit idle.

Staff capabilities (the back office, KYC documents, statement uploads, the admin)
all ask `staff_access(...)`; with settings.COMPLIANCE_REQUIRE_OTP an officer who
has not confirmed a TOTP code in this session is sent to settings.STAFF_OTP_URL
and gets nothing else. Imports no app.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import urlencode

STAFF_SESSION_KEY = "_staff_session"


class Access(enum.Enum):
    GRANTED = "granted"
    LOGIN = "login"  # anonymous: log in first
    FORBIDDEN = "forbidden"  # logged in, no staff capability
    SECOND_FACTOR = "second_factor"  # staff, TOTP code not confirmed in this session


def is_compliance_officer(user) -> bool:
    """An active member of the Compliance group (settings.COMPLIANCE_GROUP)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_is_compliance_officer", None)
    if cached is None:
        cached = user.groups.filter(name=settings.COMPLIANCE_GROUP).exists()
        user._is_compliance_officer = cached
    return cached


def is_staff_user(user) -> bool:
    """Anyone with a staff capability: an officer, admin staff, or a holder of any permission.

    Investors hold no permission, so this is the set of accounts whose sessions are
    short and who must confirm a second factor.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_staff or is_compliance_officer(user) or user.get_all_permissions())


def second_factor_confirmed(user) -> bool:
    """True when no second factor is required, or the user confirmed one in this session.

    A user object that never went through django-otp's middleware counts as
    unconfirmed: the check fails closed.
    """
    if not settings.COMPLIANCE_REQUIRE_OTP:
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def staff_access(request: HttpRequest, *, permission: str | None = None) -> Access:
    """May this request use a staff capability? Officers may; with `permission`, so may
    holders of that permission. The second factor is required of both."""
    user = request.user
    if not user.is_authenticated:
        return Access.LOGIN
    allowed = is_compliance_officer(user) or bool(
        permission and user.is_active and user.has_perm(permission)
    )
    if not allowed:
        return Access.FORBIDDEN
    mark_staff_session(request)
    if not second_factor_confirmed(user):
        return Access.SECOND_FACTOR
    return Access.GRANTED


def second_factor_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """To the page where the officer confirms a code, coming back here afterwards."""
    url = resolve_url(settings.STAFF_OTP_URL)
    return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


def refusal(request: HttpRequest, access: Access) -> HttpResponse:
    """The answer for anything but GRANTED: log-in page, 403, or the second-factor page."""
    if access is Access.LOGIN:
        return redirect_to_login(request.get_full_path())
    if access is Access.SECOND_FACTOR:
        return second_factor_redirect(request)
    raise PermissionDenied


def staff_required(
    view: Callable[..., HttpResponse] | None = None, *, permission: str | None = None
):
    """Decorator: the view runs only for GRANTED staff_access; see refusal() otherwise."""

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(func)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            access = staff_access(request, permission=permission)
            if access is not Access.GRANTED:
                return refusal(request, access)
            return func(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def mark_staff_session(request: HttpRequest) -> None:
    """Make this session a staff session: it expires after STAFF_SESSION_IDLE_SECONDS idle."""
    session = getattr(request, "session", None)
    if session is not None and not session.get(STAFF_SESSION_KEY):
        session[STAFF_SESSION_KEY] = True
        session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)


class StaffSessionMiddleware:
    """Staff sessions expire after STAFF_SESSION_IDLE_SECONDS without a request.

    Setting the expiry on every request saves the session, so the idle window slides;
    investors keep SESSION_COOKIE_AGE. A session becomes a staff session at log-in
    (see mark_staff_session) or on its first staff page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key and session.get(STAFF_SESSION_KEY):
            session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)
