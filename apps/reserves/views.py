from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from apps.catalog.models import Token
from apps.catalog.versions import CATALOG_VERSION_KEY
from apps.chains.versions import ORACLES_VERSION_KEY, SUPPLY_VERSION_KEY
from apps.core import csv
from apps.core.formatting import MAX_PAGE, decimal_text, parse_since, whole_number
from apps.core.http import bad_request
from apps.core.public_cache import public_cache
from apps.markets.services import ORACLE_REPORTS_VERSION_KEY, PRICES_VERSION_KEY

from . import payloads, selectors
from .badge import badge_svg
from .charts import ratio_figure
from .models import Alert, PublicEvent, ReserveSnapshot
from .serializers import HistorySerializer
from .services.cache import RESERVES_VERSION_KEY
from .services.events import EVENTS_VERSION_KEY

RECENT_EVENTS = 10  # events listed on a token's transparency page (the feed has more)
TRANSPARENCY_PAGE_SIZE = 100  # token rows per page of /transparency/; totals cover them all
# What the pages show: the backing (snapshots, alerts, attestations) of catalogue tokens.
BACKING = (CATALOG_VERSION_KEY, RESERVES_VERSION_KEY)


@require_GET
@public_cache(*BACKING, PRICES_VERSION_KEY)  # value held at the latest price
def transparency(request: HttpRequest) -> HttpResponse:
    """Public proof of reserves: the totals over every token, the tokens a page at a time
    (?page=, ?status= one backing status), custodians, alerts, attestations. A page or
    status it cannot honour answers 400 with the reason."""
    status = request.GET.get("status", "")
    if status and status not in ReserveSnapshot.Status.values:
        shown = status[:20]
        reason = _("status=%(shown)r: no such backing status") % {"shown": shown}
        return bad_request(request, reason)
    try:
        number = whole_number(request.GET.get("page"), name="page", default=1, low=1, high=MAX_PAGE)
    except ValueError as exc:
        return bad_request(request, str(exc))
    overview = selectors.overview()
    rows = [r for r in overview.rows if r.status == status] if status else overview.rows
    page = Paginator(rows, TRANSPARENCY_PAGE_SIZE).get_page(number)
    context = {
        "o": overview,
        "page": page,
        "status": status,
        "statuses": [
            (value, label, overview.status_counts.get(value, 0))
            for value, label in ReserveSnapshot.Status.choices
        ],
        "base": reverse("transparency"),
    }
    return render(request, "reserves/transparency.html", context)


def _chain_rows(token: Token, snapshot: ReserveSnapshot | None) -> list[dict]:
    deployments = {d.pk: d for d in token.deployments.all()}
    rows = []
    for entry in snapshot.provenance.get("supply_by_chain", []) if snapshot else []:
        d = deployments.get(entry.get("deployment_id"))
        row = dict(entry)
        row["explorer_url"] = d.explorer_url if d else ""
        block = entry.get("block_number")
        row["block_url"] = d.chain.block_url(block) if d and block is not None else ""
        rows.append(row)
    return rows


@require_GET
@public_cache(
    *BACKING,
    EVENTS_VERSION_KEY,
    SUPPLY_VERSION_KEY,
    ORACLES_VERSION_KEY,
    ORACLE_REPORTS_VERSION_KEY,
)
def transparency_token(request: HttpRequest, symbol: str) -> HttpResponse:
    token = get_object_or_404(Token.objects.for_detail(), symbol=symbol)
    snapshot = ReserveSnapshot.objects.filter(token=token).first()
    points = selectors.history(token)
    chart = selectors.downsample(points)
    multipliers = []
    for p in points:
        if not multipliers or multipliers[-1][1] != p[5]:
            multipliers.append((p[0], p[5]))
    context = {
        "token": token,
        "snapshot": snapshot,
        "chains": _chain_rows(token, snapshot),
        "custodians": snapshot.provenance.get("holdings_by_custodian", []) if snapshot else [],
        "alerts": list(Alert.objects.filter(token=token, resolved_at__isnull=True)),
        "attestations": selectors.attestations_for(token),
        "chart": ratio_figure(chart).to_plotly_json() if chart else None,
        "chart_points": len(chart),
        "history_count": len(points),
        "multipliers": multipliers,
        "age": selectors.data_age(snapshot),
        "events": list(PublicEvent.objects.for_token(token)[:RECENT_EVENTS]),
        "badge_url": request.build_absolute_uri(reverse("transparency-badge", args=[symbol])),
        "page_url": request.build_absolute_uri(reverse("transparency-token", args=[symbol])),
    }
    return render(request, "reserves/token.html", context)


def _history_or_400(request: HttpRequest, symbol: str) -> tuple[Token, list] | HttpResponse:
    token = get_object_or_404(Token, symbol=symbol)
    try:
        since = parse_since(request.GET.get("since"))
    except ValueError as exc:
        return bad_request(request, str(exc))
    return token, payloads.history_rows(selectors.history(token, since=since))


@require_GET
@public_cache(*BACKING, ages=False)
def history_csv(request: HttpRequest, symbol: str) -> HttpResponse:
    found = _history_or_400(request, symbol)
    if isinstance(found, HttpResponse):
        return found
    token, rows = found
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{token.symbol}-reserves.csv"'
    writer = csv.writer(response)
    writer.writerow(payloads.HISTORY_FIELDS)
    for row in rows:
        writer.writerow([_cell(row[f]) for f in payloads.HISTORY_FIELDS])
    return response


def _cell(value: object) -> str:
    """A CSV cell: decimals in plain notation, times in ISO 8601, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


@require_GET
@public_cache(*BACKING, ages=False)
def history_json(request: HttpRequest, symbol: str) -> HttpResponse:
    found = _history_or_400(request, symbol)
    if isinstance(found, HttpResponse):
        return found
    token, rows = found
    response = JsonResponse(HistorySerializer({"symbol": token.symbol, "history": rows}).data)
    response["Content-Disposition"] = f'attachment; filename="{token.symbol}-reserves.json"'
    return response


# The badge is embedded by other sites: any origin may load it as an image, and it is a
# document that runs nothing.
BADGE_CSP = "default-src 'none'; frame-ancestors 'none'"


@require_safe
@public_cache(*BACKING, lifetime="BADGE_CACHE_SECONDS", max_age="BADGE_CACHE_SECONDS")
def badge(request: HttpRequest, symbol: str) -> HttpResponse:
    """The backing ratio, status and data age as an SVG badge: the same figures as
    /api/v1/tokens/<symbol>/reserves/, kept whole per reserves version for
    BADGE_CACHE_SECONDS (the age it shows is at most that old)."""
    token = get_object_or_404(Token.objects.select_related("security"), symbol=symbol)
    snapshot = ReserveSnapshot.objects.filter(token=token).defer("provenance").first()
    summary = payloads.snapshot_summary(token, snapshot)
    response = HttpResponse(
        badge_svg(summary, now=timezone.now()), content_type="image/svg+xml; charset=utf-8"
    )
    response["Content-Security-Policy"] = BADGE_CSP
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
