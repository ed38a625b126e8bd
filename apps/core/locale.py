"""The language of an answer: Django's LocaleMiddleware (the switcher's cookie, then
Accept-Language, then English), except

- under /api/, which always answers in English (the JSON is a contract: field names, enums
  and `detail` messages do not change with the reader's browser), and the embeddable
  badges (`…/badge.svg`);
- in the back office (/compliance/, the statement upload, /admin/), which is English only:
  its pages are answered in English, and `request.requested_language` keeps the reader's
  language so that base.html says so in that language.

A public page is cached per language (apps.core.public_cache puts the active language in
its key and varies on Accept-Language and Cookie), so a reader never gets a page cached for
another language, and the language cookie leaves a request anonymous (it is no secret).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

ENGLISH_ONLY_PREFIXES = ("/api/",)
# The backing badge is an image embedded on other sites, whose readers' language it cannot
# know (and its width table measures Latin text): always English.
ENGLISH_ONLY_SUFFIXES = ("/badge.svg",)
BACK_OFFICE_PREFIXES = ("/compliance/", "/custody/statements/upload/", "/admin/")


def html_lang(language: str | None) -> str:
    """A Django language code as a BCP 47 tag for `<html lang>`: zh-hant -> zh-Hant."""
    code = (language or settings.LANGUAGE_CODE).lower()
    first, _, rest = code.partition("-")
    if not rest:
        return first
    # A four-letter subtag is a script (Title case), a two-letter one a region (upper case).
    subtag = rest.title() if len(rest) == 4 else rest.upper()
    return f"{first}-{subtag}"


def _english_only(path: str) -> bool:
    return path.startswith(ENGLISH_ONLY_PREFIXES) or path.endswith(ENGLISH_ONLY_SUFFIXES)


class SiteLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if _english_only(request.path_info):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        if request.path_info.startswith(BACK_OFFICE_PREFIXES):
            request.requested_language = translation.get_language_from_request(request)
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if _english_only(request.path_info):
            response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
            return response
        return super().process_response(request, response)
