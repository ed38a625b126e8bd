"""The jurisdiction gate, in front of GEOBLOCK_PATH_PREFIXES. It fails closed:

- a request from a country where a blocked rule is in force gets HTTP 451 with the
  rule's reason and legal basis;
- a request whose country cannot be told (no country database, an unreadable or
  tunnelled address, an address the database does not know) gets HTTP 403 saying so;
- loopback and private addresses pass only with GEOBLOCK_ALLOW_PRIVATE (on outside
  production, so `make run` onboards from a laptop).

Every refusal is written to the access log.

After the country check, the gate asks the holds other apps register (register_hold in
their AppConfig.ready): an investor whose access is suspended pending a review is refused
the investor-only pages here, whatever page it is (apps.onboarding.access).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import services
from .geo import Unknown, client_ip, locate
from .selectors import Verdict, verdict_for

# What the person is told when their country is unknown (never the server's own trouble).
# Shown inside a sentence of unknown_location.html, in the reader's language.
UNKNOWN_REASONS = {
    Unknown.NO_ADDRESS: _("your connection's address could not be read"),
    Unknown.TUNNELLED: _(
        "your connection comes through an IPv6 tunnel (6to4, Teredo, NAT64 or "
        "similar), which does not show your country"
    ),
    Unknown.NO_DATABASE: _("your location could not be checked just now"),
    Unknown.NOT_FOUND: _("no country is known for your connection's address"),
}
PRIVATE_REASON = _("your connection comes from a private network address")

Hold = Callable[[HttpRequest], HttpResponse | None]
# Checks that may refuse a request the country check let through: each answers a refusal
# or None, and must be cheap for paths it does not cover (it runs on every request).
_holds: list[Hold] = []


def register_hold(hold: Hold) -> None:
    """Add a check run on every request after the country check (idempotent)."""
    if hold not in _holds:
        _holds.append(hold)


def is_gated_path(path_info: str) -> bool:
    """True for paths (relative to the site's mount point) behind the gate."""
    return any(path_info.startswith(prefix) for prefix in settings.GEOBLOCK_PATH_PREFIXES)


def _blocked(request: HttpRequest, *, ip: str | None, country: str, verdict: Verdict):
    services.log_refusal(path=request.path_info, ip=ip, country=country, rule=verdict.rule)
    response = render(
        request,
        "jurisdictions/blocked.html",
        {"country": country, "rule": verdict.rule, "compliance_email": settings.COMPLIANCE_EMAIL},
        status=451,
    )
    response["Cache-Control"] = "no-store"
    return response


def _unknown(request: HttpRequest, *, ip: str | None, reason: str) -> HttpResponse:
    services.log_refusal(path=request.path_info, ip=ip, country="", rule=None)
    response = render(
        request,
        "jurisdictions/unknown_location.html",
        {"reason": reason, "compliance_email": settings.COMPLIANCE_EMAIL},
        status=403,
    )
    response["Cache-Control"] = "no-store"
    return response


def check_request(request: HttpRequest) -> HttpResponse | None:
    """The refusal for this request, or None when it may pass."""
    ip = client_ip(request)
    where = locate(ip)
    request.ip_country = where.country
    if where.private:
        if settings.GEOBLOCK_ALLOW_PRIVATE:
            return None
        return _unknown(request, ip=ip, reason=PRIVATE_REASON)
    if where.unknown is not None:
        return _unknown(request, ip=ip, reason=UNKNOWN_REASONS[where.unknown])
    verdict = verdict_for(country=where.country)
    if verdict.blocked:
        return _blocked(request, ip=ip, country=where.country, verdict=verdict)
    return None


class JurisdictionGateMiddleware:
    """Refuses requests to the paths in GEOBLOCK_PATH_PREFIXES that the rules do not allow."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_gated_path(request.path_info):
            refused = check_request(request)
            if refused is not None:
                return refused
        for hold in _holds:
            refused = hold(request)
            if refused is not None:
                return refused
        return self.get_response(request)
