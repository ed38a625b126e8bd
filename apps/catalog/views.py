from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.markets.selectors import attach_prices, with_prices
from apps.reserves.selectors import attach_backing

from .filters import TokenFilter
from .models import Token

PAGE_SIZE = 100  # tokens per page: the whole real catalogue fits on one


@require_GET
@vary_on_headers("HX-Request")
def token_list(request: HttpRequest) -> HttpResponse:
    """The catalogue; htmx swaps only the results, the same form works without JavaScript."""
    params = request.GET.copy()
    params.setdefault("sort", "symbol")
    # Prices ride on the catalogue query itself (correlated subqueries): no extra query.
    token_filter = TokenFilter(params, queryset=with_prices(Token.objects.for_catalog()))
    tokens = token_filter.qs if token_filter.is_valid() else Token.objects.none()
    page = Paginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    query = params.copy()
    query.pop("page", None)
    context = {
        "filter": token_filter,
        "page": page,
        "tokens": attach_prices(attach_backing(page.object_list)),
        "query": query.urlencode(),
    }
    template = "catalog/token_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_GET
def token_detail(request: HttpRequest, symbol: str) -> HttpResponse:
    token = get_object_or_404(Token.objects.for_detail(), symbol=symbol)
    attach_backing([token])
    return render(request, "catalog/token_detail.html", {"token": token})
