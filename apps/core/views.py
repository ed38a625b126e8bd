from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.catalog.models import Chain, Custodian, Issuer, Token

from .health import run_checks


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    figures = Token.objects.aggregate(
        tokens=Count("id"),
        stocks=Count("id", filter=Q(security__kind="stock")),
        etfs=Count("id", filter=Q(security__kind="etf")),
    )
    figures["chains"] = Chain.objects.count()
    figures["issuers"] = Issuer.objects.count()
    figures["custodians"] = Custodian.objects.count()
    return render(request, "home.html", {"figures": figures})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when database, cache, broker and country database answer; 503 naming what is down."""
    checks = run_checks()
    down = sorted(name for name, state in checks.items() if state["status"] != "up")
    body = {
        "status": "ok" if not down else "down",
        "down": down,
        "checks": checks,
        "time": timezone.now().isoformat(),
    }
    return JsonResponse(body, status=503 if down else 200)
