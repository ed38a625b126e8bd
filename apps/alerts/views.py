"""Public pages of the alerts: feeds, subscribing, confirming, unsubscribing. No account, no
log-in; nothing here says whether an address is known."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from apps.catalog.versions import CATALOG_VERSION_KEY
from apps.core.public_cache import public_cache
from apps.reserves.services.events import EVENTS_VERSION_KEY

from . import tasks, tokens
from .feeds import SiteEventsFeed, TokenEventsFeed
from .forms import SubscribeForm
from .services import subscriptions

ATOM = "application/atom+xml; charset=utf-8"
MAX_KEY_EMAIL = 254  # characters of an address used as a rate-limit key
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

site_feed_view = SiteEventsFeed()
token_feed_view = TokenEventsFeed()


# Kept whole until an event is recorded (one answer per scheme and host: absolute links).
feed_cache = public_cache(
    EVENTS_VERSION_KEY, CATALOG_VERSION_KEY, ages=False, max_age="FEED_CACHE_SECONDS"
)


@require_safe
@feed_cache
def site_feed(request: HttpRequest) -> HttpResponse:
    """Atom: the latest events of every token."""
    return site_feed_view(request)


@require_safe
@feed_cache
def token_feed(request: HttpRequest, symbol: str) -> HttpResponse:
    """Atom: the latest events of one token and of its issuer."""
    return token_feed_view(request, symbol=symbol)


def _period_seconds(rate: str) -> int:
    period = rate.partition("/")[2] or "s"
    multiple = int(period[:-1]) if period[:-1].isdigit() else 1
    return multiple * _PERIOD_SECONDS[period[-1].lower()]


def _over_limit(request: HttpRequest) -> bool:
    """Count this subscribe request per client network and per address; True once either
    is over ALERTS_SUBSCRIBE_RATE (both are counted, so neither can be dodged)."""
    rate = settings.ALERTS_SUBSCRIBE_RATE
    address = subscriptions.normalize_email(request.POST.get("email") or "")[:MAX_KEY_EMAIL]
    over = False
    for group, key in (("ip", "ip"), ("email", lambda group, request: address)):
        over |= is_ratelimited(
            request,
            group=f"alerts-subscribe:{group}",
            key=key,
            rate=rate,
            method="POST",
            increment=True,
        )
    return over


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """The subscribe form; a valid request answers the same whatever the address."""
    if request.method != "POST":
        form = SubscribeForm(initial={"token": request.GET.get("token", "")[:24]})
        return render(request, "alerts/subscribe.html", {"form": form})
    if _over_limit(request):
        rate = settings.ALERTS_SUBSCRIBE_RATE
        response = render(request, "alerts/throttled.html", {"rate": rate}, status=429)
        response["Retry-After"] = str(_period_seconds(rate))
        return response
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "alerts/subscribe.html", {"form": form}, status=400)
    pending = subscriptions.request_subscription(
        email=form.cleaned_data["email"], token=form.cleaned_data["token"]
    )
    if pending is not None:
        tasks.send_confirmation.delay_on_commit(
            subscription_id=pending, language=translation.get_language() or ""
        )
    return redirect("alerts:sent")


@require_safe
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/sent.html", {"days": settings.ALERTS_CONFIRM_DAYS})


def _bad_link(request: HttpRequest, error: tokens.BadLink) -> HttpResponse:
    return render(request, "alerts/bad_link.html", {"reason": str(error)}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what is being confirmed and a button (mail scanners that open links
    confirm nothing); the POST confirms."""
    try:
        if request.method == "POST":
            subscription = subscriptions.confirm(token=token)
            return render(request, "alerts/confirmed.html", {"subscription": subscription})
        subscription = subscriptions.subscription_for_link(token)
    except tokens.BadLink as exc:
        return _bad_link(request, exc)
    return render(request, "alerts/confirm.html", {"subscription": subscription})


# RFC 8058 one-click unsubscribe: mail clients POST here with no session and no CSRF token;
# the signed link is the authority, and a forged cross-site POST could only unsubscribe the
# address the link was sent to.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button; a POST (the button, or a mail client's one-click request
    with List-Unsubscribe=One-Click) deletes the address and its subscriptions."""
    try:
        if request.method == "POST":
            subscriptions.unsubscribe(token=token)
            return render(request, "alerts/unsubscribed.html")
        subscriber = subscriptions.subscriber_for_link(token)
    except tokens.BadLink as exc:
        return _bad_link(request, exc)
    if subscriber is None:
        return render(request, "alerts/unsubscribed.html")
    return render(request, "alerts/unsubscribe.html", {"token": token})
