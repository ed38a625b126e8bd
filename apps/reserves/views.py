from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_safe

from apps.catalog.models import Token
from apps.core import csv
from apps.core.etag import cached_body, public_response
from apps.core.formatting import decimal_text, parse_since
from apps.core.http import bad_request

from . import payloads, selectors
from .badge import badge_svg
from .charts import ratio_figure
from .models import Alert, PublicEvent, ReserveSnapshot
from .serializers import HistorySerializer
from .services.cache import reserves_version

RECENT_EVENTS = 10  # events listed on a token's transparency page (the feed has more)


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    """Public proof of reserves: every token's backing, custodians, alerts, attestations."""
    context = {"o": selectors.overview(), "base": reverse("transparency")}
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
def badge(request: HttpRequest, symbol: str) -> HttpResponse:
    """The backing ratio, status and data age as an SVG badge: the same figures as
    /api/v1/tokens/<symbol>/reserves/, cached per reserves version for BADGE_CACHE_SECONDS
    (the age it shows is at most that old)."""

    def build() -> bytes:
        token = get_object_or_404(Token.objects.select_related("security"), symbol=symbol)
        snapshot = ReserveSnapshot.objects.filter(token=token).defer("provenance").first()
        summary = payloads.snapshot_summary(token, snapshot)
        return badge_svg(summary, now=timezone.now()).encode()

    seconds = settings.BADGE_CACHE_SECONDS
    body = cached_body(
        f"reserves:badge:{symbol}", versions=[reserves_version()], build=build, timeout=seconds
    )
    response = public_response(
        request, body, content_type="image/svg+xml; charset=utf-8", max_age=seconds
    )
    response["Content-Security-Policy"] = BADGE_CSP
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
