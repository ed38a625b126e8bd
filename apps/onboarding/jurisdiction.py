"""The jurisdiction gate: which rule applies to a place, and blocking requests.

Rules are read from the database on every check (one indexed query), so a rule
applies from the moment it is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.compliance.models import AccessLogEntry, JurisdictionRule, RuleStatus

from .geo import client_ip, country_for_ip, truncate_ip


@dataclass(frozen=True)
class Verdict:
    status: str  # blocked | review | allowed
    rule: JurisdictionRule | None

    @property
    def blocked(self) -> bool:
        return self.status == RuleStatus.BLOCKED


def rules_for(
    *, countries: set[str], regions: set[str] = frozenset()
) -> dict[str, JurisdictionRule]:
    """The rule in force for each place that has one, keyed by country or region code."""
    found: dict[str, JurisdictionRule] = {}
    rules = JurisdictionRule.objects.in_force().for_places(countries, set(regions))
    for rule in rules.order_by("-effective_from", "-id"):
        found.setdefault(rule.place, rule)
    return found


def verdict_for(*, country: str, region: str = "") -> Verdict:
    """A region's own rule wins over its country's; no rule means allowed."""
    if not country:
        return Verdict(RuleStatus.ALLOWED, None)
    rules = rules_for(countries={country}, regions={region} if region else set())
    rule = rules.get(region) if region else None
    rule = rule or rules.get(country)
    return Verdict(rule.status if rule else RuleStatus.ALLOWED, rule)


def is_gated_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.GEOBLOCK_PATH_PREFIXES)


def blocked_response(
    request: HttpRequest, *, ip: str | None, country: str, verdict: Verdict
) -> HttpResponse:
    """Log the block and answer 451 Unavailable For Legal Reasons with the reason."""
    AccessLogEntry.objects.create(
        created_at=timezone.now(),
        country=country,
        path=request.path[:500],
        ip_prefix=truncate_ip(ip),
        rule=verdict.rule,
    )
    response = render(
        request,
        "onboarding/blocked.html",
        {"country": country, "rule": verdict.rule, "compliance_email": settings.COMPLIANCE_EMAIL},
        status=451,
    )
    response["Cache-Control"] = "no-store"
    return response


def check_request(request: HttpRequest) -> HttpResponse | None:
    """451 response when the request's IP country is blocked, else None."""
    ip = client_ip(request)
    country = country_for_ip(ip)
    request.ip_country = country
    verdict = verdict_for(country=country)
    if verdict.blocked:
        return blocked_response(request, ip=ip, country=country, verdict=verdict)
    return None


class JurisdictionGateMiddleware:
    """Refuses requests from blocked countries to the paths in GEOBLOCK_PATH_PREFIXES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_gated_path(request.path):
            refused = check_request(request)
            if refused is not None:
                return refused
        return self.get_response(request)


def jurisdiction_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The same gate for one view outside the gated prefixes (e.g. an investor page)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_gated_path(request.path):
            refused = check_request(request)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    return wrapped
