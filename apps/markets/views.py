"""Live price fragments of the token page, the chart and the calculator: public answers
cached whole per price version (apps.core.public_cache); the polled block revalidates every
time, so an unchanged price costs a 304 and one cache read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from apps.catalog.models import Token
from apps.catalog.versions import CATALOG_VERSION_KEY
from apps.chains.versions import ORACLES_VERSION_KEY
from apps.core.public_cache import public_cache

from . import charts
from .calculator import calculate
from .selectors import token_price
from .services import PRICES_VERSION_KEY

LIVE_TEMPLATE = "markets/partials/_token_price.html#live"
PRICES = (CATALOG_VERSION_KEY, PRICES_VERSION_KEY)


@require_GET
@public_cache(*PRICES, max_age=0)
def token_live(request: HttpRequest, symbol: str) -> HttpResponse:
    """The live price block of /tokens/<symbol>/, polled by htmx every 2 s."""
    token = get_object_or_404(Token.objects.select_related("security"), symbol=symbol)
    price = token_price(token)
    return render(request, LIVE_TEMPLATE, {"token": token, "price": price})


@require_GET
@public_cache(*PRICES, ORACLES_VERSION_KEY)
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
@public_cache(*PRICES)
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
