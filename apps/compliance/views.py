"""Compliance back office views. Every view is for the Compliance group only."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.onboarding.geo import client_ip
from apps.onboarding.models import Wallet

from . import audit
from .access import compliance_required

ALLOWLIST_FIELDS = ["kind", "address", "investor_id", "verified_at"]


def _allowlist_rows(request: HttpRequest, fmt: str) -> list[dict[str, str]]:
    rows = [
        {
            "kind": w.kind,
            "address": w.address,
            "investor_id": str(w.user_id),
            "verified_at": w.verified_at.isoformat(),
        }
        for w in Wallet.objects.allowlist()
    ]
    audit.record(
        actor=request.user,
        action="allowlist.export",
        after={"format": fmt, "rows": len(rows)},
        ip=client_ip(request),
    )
    return rows


@never_cache
@require_GET
@compliance_required
def allowlist_csv(request: HttpRequest) -> HttpResponse:
    """Verified wallets of approved investors, for minting and redemption."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="allowlist-{stamp}.csv"'
    writer = csv.DictWriter(response, fieldnames=ALLOWLIST_FIELDS)
    writer.writeheader()
    writer.writerows(_allowlist_rows(request, "csv"))
    return response


@never_cache
@require_GET
@compliance_required
def allowlist_json(request: HttpRequest) -> JsonResponse:
    rows = _allowlist_rows(request, "json")
    return JsonResponse(
        {"generated_at": timezone.now().isoformat(), "count": len(rows), "wallets": rows}
    )
