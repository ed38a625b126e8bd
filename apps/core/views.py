from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks


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
