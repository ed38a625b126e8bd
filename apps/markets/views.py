"""Live price fragments of the token page: polled with conditional GET, cached per price
version so an unchanged price costs no query."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from apps.catalog.models import Token

from . import charts
from .calculator import calculate
from .selectors import token_price
from .services import price_version

LIVE_TEMPLATE = "markets/partials/_token_price.html#live"


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def conditional(request: HttpRequest, body: bytes, content_type: str) -> HttpResponse:
    """200 with an ETag, or 304 when the client already has this body."""
    etag = etag_for(body)
    sent = request.headers.get("If-None-Match", "")
    if etag in [tag.strip().removeprefix("W/") for tag in sent.split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    # Cacheable, but always revalidated: the browser sends If-None-Match on every poll.
    patch_cache_control(response, no_cache=True, max_age=0)
    patch_vary_headers(response, ["HX-Request"])
    return response


def cached_body(key: str, build) -> bytes:  # type: ignore[no-untyped-def]
    """The body under `key` for the current price version, built once per version and TTL."""
    full_key = f"markets:{key}:{price_version()}"
    body = cache.get(full_key)
    if body is None:
        body = build()
        cache.set(full_key, body, timeout=settings.MARKETS_CACHE_SECONDS)
    return body


@require_GET
def token_live(request: HttpRequest, symbol: str) -> HttpResponse:
    """The live price block of /tokens/<symbol>/, polled by htmx every 2 s."""

    def build() -> bytes:
        token = get_object_or_404(Token.objects.select_related("security"), symbol=symbol)
        price = token_price(token)
        # No request in the context: the cached body is shared by every visitor, so it
        # must hold nothing of one (no CSRF token, no user).
        html = render_to_string(LIVE_TEMPLATE, {"token": token, "price": price})
        return html.encode()

    return conditional(request, cached_body(f"live:{symbol}", build), "text/html; charset=utf-8")


@require_GET
def token_chart(request: HttpRequest, symbol: str) -> JsonResponse:
    """The chart figure for ?range=1D|1W|1M|1Y|All."""
    token = get_object_or_404(Token.objects.select_related("security"), symbol=symbol)
    range_ = request.GET.get("range", "1D")
    if range_ not in charts.RANGES:
        return JsonResponse(
            {"error": f"range must be one of {', '.join(charts.RANGES)}"}, status=400
        )
    return JsonResponse(charts.token_chart(token, range_=range_))


@require_GET
def token_calculator(request: HttpRequest, symbol: str) -> HttpResponse:
    """How much of the token an amount of USD buys at the current price (?usd=)."""
    token = get_object_or_404(Token.objects.select_related("security"), symbol=symbol)
    price = token_price(token)
    calc = calculate(request.GET.get("usd"), price.price)
    # An amount that cannot be read answers 400, the reason in the fragment the page shows.
    return render(
        request,
        "markets/partials/_token_price.html#calculator",
        {"token": token, "price": price, "calc": calc},
        status=400 if calc.amount is None else 200,
    )
