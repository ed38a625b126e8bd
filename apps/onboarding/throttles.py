"""Rate limits of the account pages (sign-up, password reset, verification resend).

Counted in the shared cache by django-ratelimit, per client network (the client
IP as the jurisdiction gate sees it, IPv6 by /64) and per e-mail address, so a
script can neither create accounts in bulk nor flood one mailbox. Log-in limits
are django-axes' (settings.AXES_*).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

MAX_KEY_EMAIL = 254  # characters of an address used as a counter key
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def period_seconds(rate: str) -> int:
    """The window of a django-ratelimit rate such as "5/h" or "10/15m", in seconds."""
    period = rate.partition("/")[2] or "s"
    multiple = int(period[:-1]) if period[:-1].isdigit() else 1
    return multiple * _PERIOD_SECONDS[period[-1].lower()]


def _email_key(field: str) -> Callable[[str, HttpRequest], str]:
    def key(group: str, request: HttpRequest) -> str:
        return (request.POST.get(field) or "").strip().lower()[:MAX_KEY_EMAIL]

    return key


def _user_key(group: str, request: HttpRequest) -> str:
    return str(request.user.pk) if request.user.is_authenticated else ""


def limited(request: HttpRequest, *, group: str, rate: str, email_field: str = "") -> bool:
    """Count this POST against `rate` per client network, per address and per account;
    True once any of them is over."""
    counters: list[tuple[str, object]] = [("ip", "ip")]
    if email_field:
        counters.append(("email", _email_key(email_field)))
    if request.user.is_authenticated:
        counters.append(("user", _user_key))
    over = False
    for name, key in counters:
        # Every counter is incremented, so a limited client cannot dodge one by another.
        over |= is_ratelimited(
            request, group=f"{group}:{name}", key=key, rate=rate, method="POST", increment=True
        )
    return over


def throttled(
    group: str, *, rate_setting: str, email_field: str = ""
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator: POSTs over settings.<rate_setting> get HTTP 429 and do nothing."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            rate = getattr(settings, rate_setting)
            if request.method == "POST" and limited(
                request, group=group, rate=rate, email_field=email_field
            ):
                response = render(
                    request, "onboarding/accounts/throttled.html", {"rate": rate}, status=429
                )
                response["Retry-After"] = str(period_seconds(rate))
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """The account a log-in attempt names, as stored (lower case), for django-axes."""
    name = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(name).strip().lower()[:MAX_KEY_EMAIL]
