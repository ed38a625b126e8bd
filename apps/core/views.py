from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
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


MAX_NEXT_CHARS = 2048  # a longer `next` is not followed (the home page instead)


@never_cache
@require_GET
def set_language(request: HttpRequest) -> HttpResponseRedirect:
    """The language switcher: `?language=zh-hant&next=/tokens/?q=x` sets the language cookie
    and goes back to the page it was chosen on.

    A plain link (GET), so that a cached anonymous page needs no CSRF token to carry it: it
    changes nothing but the reader's own display preference. `next` is followed only to
    this site (url_has_allowed_host_and_scheme), anything else goes to the home page; an
    unknown language sets nothing.
    """
    target = request.GET.get("next", "")
    if len(target) > MAX_NEXT_CHARS or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
