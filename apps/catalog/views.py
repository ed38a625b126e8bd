from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.markets.selectors import attach_prices, with_prices
from apps.markets.services import price_version
from apps.reserves.selectors import attach_backing, with_backing
from apps.reserves.services import reserves_version

from .filters import TokenFilter, choices_version
from .models import Token
from .pagination import window_page

PAGE_SIZE = 100  # tokens per page: the whole real catalogue fits on one


@require_GET
@vary_on_headers("HX-Request")
def token_list(request: HttpRequest) -> HttpResponse:
    """The catalogue; htmx swaps only the results, the same form works without JavaScript.

    The results are rendered once per filter for CATALOG_CACHE_SECONDS and until a price,
    a backing or the catalogue changes; the page around them holds the per-user parts.
    """
    params = request.GET.copy()
    params.setdefault("sort", "symbol")
    # Prices, backing and the total ride on the catalogue query itself (subqueries and a
    # window count): the page costs three queries whatever the number of tokens.
    token_filter = TokenFilter(
        params, queryset=with_backing(with_prices(Token.objects.for_catalog()))
    )
    key = _results_key(params)
    html = cache.get(key) if key else None
    if html is None:
        tokens = token_filter.qs if token_filter.is_valid() else Token.objects.none()
        page = window_page(tokens, request.GET.get("page"), PAGE_SIZE)
        query = params.copy()
        query.pop("page", None)
        context = {
            "filter": token_filter,
            "page": page,
            "tokens": attach_prices(attach_backing(page.object_list)),
            "query": query.urlencode(),
        }
        html = render_to_string("catalog/token_list.html#results", context, request=request)
        if key:
            cache.set(key, html, settings.CATALOG_CACHE_SECONDS)
    if request.htmx:
        return HttpResponse(html)
    context = {"filter": token_filter, "results_html": mark_safe(html)}  # noqa: S308 - ours
    return render(request, "catalog/token_list.html", context)


def _results_key(params: QueryDict) -> str | None:
    if settings.CATALOG_CACHE_SECONDS <= 0:
        return None
    query = hashlib.sha256(urlencode(sorted(params.lists()), doseq=True).encode()).hexdigest()
    versions = f"{choices_version()}:{price_version()}:{reserves_version()}"
    return f"catalog:results:{versions}:{query}"


@require_GET
def token_detail(request: HttpRequest, symbol: str) -> HttpResponse:
    token = get_object_or_404(Token.objects.for_detail(), symbol=symbol)
    attach_backing([token])
    return render(request, "catalog/token_detail.html", {"token": token})
