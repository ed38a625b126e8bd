from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.catalog.versions import CATALOG_VERSION_KEY, catalog_version
from apps.chains.versions import ORACLES_VERSION_KEY, SUPPLY_VERSION_KEY
from apps.core.http import bad_request
from apps.core.public_cache import public_cache
from apps.markets.calculator import parse_amount
from apps.markets.selectors import attach_prices
from apps.markets.services import ORACLE_REPORTS_VERSION_KEY, PRICES_VERSION_KEY, price_version
from apps.reserves.selectors import attach_backing
from apps.reserves.services import RESERVES_VERSION_KEY, reserves_version

from . import selectors
from .compare import ComparisonError
from .compare import load as load_comparison
from .filters import TokenFilter
from .pagination import MAX_PAGE, whole_number, window_page

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # tokens per page: the whole real catalogue fits on one


@require_GET
@public_cache(CATALOG_VERSION_KEY, ages=False)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "explorer/home.html", {"figures": selectors.home_figures()})


@require_GET
@vary_on_headers("HX-Request")
@public_cache(CATALOG_VERSION_KEY, PRICES_VERSION_KEY, RESERVES_VERSION_KEY)
def token_list(request: HttpRequest) -> HttpResponse:
    """The catalogue; htmx swaps only the results, the same form works without JavaScript.

    The results are rendered once per filter for CATALOG_CACHE_SECONDS and until a price,
    a backing or the catalogue changes; the page around them holds the per-user parts.
    A filter or page it cannot honour answers 400, the form still shown with the reason.
    """
    try:
        page_number = whole_number(
            request.GET.get("page"), name="page", default=1, low=1, high=MAX_PAGE
        )
    except ValueError as exc:
        return bad_request(request, str(exc))
    params = request.GET.copy()
    params.setdefault("sort", "symbol")
    # Prices, backing and the total ride on the catalogue query itself (subqueries and a
    # window count): the page costs three queries whatever the number of tokens.
    token_filter = TokenFilter(params, queryset=selectors.catalogue())
    valid = token_filter.is_valid()
    key = _results_key(params) if valid else None
    html = cache.get(key) if key else None
    if html is None:
        tokens = token_filter.qs if valid else selectors.catalogue().none()
        page = window_page(tokens, page_number, PAGE_SIZE)
        query = params.copy()
        query.pop("page", None)
        context = {
            "filter": token_filter,
            "page": page,
            "tokens": attach_prices(attach_backing(page.object_list)),
            "query": query.urlencode(),
        }
        html = render_to_string("explorer/token_list.html#results", context, request=request)
        if key:
            cache.set(key, html, settings.CATALOG_CACHE_SECONDS)
    status = 200 if valid else 400
    if request.htmx:
        return HttpResponse(html, status=status)
    context = {"filter": token_filter, "results_html": mark_safe(html)}  # noqa: S308 - ours
    return render(request, "explorer/token_list.html", context, status=status)


def _results_key(params: QueryDict) -> str | None:
    if settings.CATALOG_CACHE_SECONDS <= 0:
        return None
    query = hashlib.sha256(urlencode(sorted(params.lists()), doseq=True).encode()).hexdigest()
    versions = f"{catalog_version()}:{price_version()}:{reserves_version()}"
    # The fragment holds the page's words: one per language.
    return f"catalog:results:{translation.get_language()}:{versions}:{query}"


@require_GET
@public_cache(
    CATALOG_VERSION_KEY,
    PRICES_VERSION_KEY,
    RESERVES_VERSION_KEY,
    SUPPLY_VERSION_KEY,
    ORACLES_VERSION_KEY,
    ORACLE_REPORTS_VERSION_KEY,
)
def token_detail(request: HttpRequest, symbol: str) -> HttpResponse:
    """One token: facts, price and backing, deployments with their supply, venues,
    documents, corporate actions. A refused calculator amount (?usd=) answers 400 with
    the page and the reason in the calculator."""
    token = get_object_or_404(selectors.token_page(), symbol=symbol)
    attach_backing([token])
    status = 200
    if "usd" in request.GET:
        try:
            parse_amount(request.GET["usd"])
        except ValueError:
            status = 400
    return render(request, "explorer/token_detail.html", {"token": token}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for every URL nothing answers: JSON under /api/ (as the API documents), the
    site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


COMPARE_TABLE = "explorer/compare.html#table"
COMPARE_CACHE_SECONDS = 86400  # the rendered table is keyed by the data file's SHA-256


@require_GET
@public_cache()  # its data file changes only with a release
def compare(request: HttpRequest) -> HttpResponse:
    """Backing models of tokenized US stocks compared, from data/backing-models.json; a data
    file that does not validate is never shown (503, the problems logged)."""
    try:
        comparison = load_comparison()
    except ComparisonError as exc:
        log.error("compare: %s is not shown: %s", settings.COMPARE_DATA_PATH, exc)
        return render(request, "explorer/compare_unavailable.html", status=503)
    key = f"explorer:compare:{translation.get_language()}:{comparison.digest}"
    table = cache.get(key)
    if table is None:
        # Nothing of the visitor in the table but its language: rendered once per version
        # of the file and language.
        table = render_to_string(COMPARE_TABLE, {"c": comparison})
        cache.set(key, table, timeout=COMPARE_CACHE_SECONDS)
    context = {"c": comparison, "table": mark_safe(table)}  # noqa: S308 (our own template)
    return render(request, "explorer/compare.html", context)
