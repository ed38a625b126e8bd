from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from .locale import html_lang


def site(request: HttpRequest) -> dict[str, object]:
    """The site's name, the active language as `<html lang>` wants it (zh-Hant), and on the
    English-only back office the language the reader asked for (apps.core.locale)."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "HTML_LANG": html_lang(translation.get_language()),
        "REQUESTED_LANGUAGE": getattr(request, "requested_language", None),
    }
