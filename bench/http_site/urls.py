"""The site's URLs plus /bench/ok: "ok" through the same middleware, no database, no
template; what every public answer is measured against."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from xstocks_site.urls import handler404
from xstocks_site.urls import urlpatterns as site_urlpatterns

__all__ = ["handler404", "urlpatterns"]


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ok", ok), *site_urlpatterns]
