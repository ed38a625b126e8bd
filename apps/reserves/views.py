from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.catalog.models import Token

from . import payloads, selectors
from .models import Alert, ReserveSnapshot


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
        "chart": {
            "x": [p[0].isoformat() for p in chart],
            "y": [payloads.dec(p[1] * 100) if p[1] is not None else None for p in chart],
            "status": [p[2] for p in chart],
        },
        "history_count": len(points),
        "multipliers": multipliers,
        "age": selectors.data_age(snapshot),
    }
    return render(request, "reserves/token.html", context)


def _history_or_400(request: HttpRequest, symbol: str) -> tuple[Token, list] | HttpResponse:
    token = get_object_or_404(Token, symbol=symbol)
    try:
        since = payloads.parse_since(request.GET.get("since"))
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    return token, selectors.history(token, since=since)


@require_GET
def history_csv(request: HttpRequest, symbol: str) -> HttpResponse:
    found = _history_or_400(request, symbol)
    if isinstance(found, HttpResponse):
        return found
    token, points = found
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{token.symbol}-reserves.csv"'
    writer = csv.writer(response)
    writer.writerow(payloads.HISTORY_FIELDS)
    for row in payloads.history_rows(points):
        writer.writerow([row[f] if row[f] is not None else "" for f in payloads.HISTORY_FIELDS])
    return response


@require_GET
def history_json(request: HttpRequest, symbol: str) -> HttpResponse:
    found = _history_or_400(request, symbol)
    if isinstance(found, HttpResponse):
        return found
    token, points = found
    response = JsonResponse(
        {"symbol": token.symbol, "history": payloads.history_rows(points)},
        json_dumps_params={"indent": None},
    )
    response["Content-Disposition"] = f'attachment; filename="{token.symbol}-reserves.json"'
    return response
