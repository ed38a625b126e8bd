"""A short page that says which query parameter was refused and why (HTTP 400)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

MAX_REASON_CHARS = 500


def bad_request(request: HttpRequest, reason: str) -> HttpResponse:
    """400 with the reason on a short page (or the bare reason for htmx fragments)."""
    reason = reason[:MAX_REASON_CHARS]
    if request.headers.get("HX-Request"):
        html = render_to_string("bad_request.html#reason", {"reason": reason})
    else:
        html = render_to_string("bad_request.html", {"reason": reason}, request=request)
    return HttpResponse(html, status=400)
