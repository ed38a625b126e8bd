"""Public answers that hold nothing of one visitor (a badge, a feed): the body is built once
per data version and kept in the cache, then served with an ETag and a public Cache-Control,
and a client that already has it gets 304."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def cached_body(
    key: str, *, versions: Sequence[object], build: Callable[[], bytes], timeout: int
) -> bytes:
    """The body under `key` for these data versions, built at most once per `timeout`
    seconds while no version moves (0: never cached). An exception in `build` (e.g. a 404)
    is raised, not cached."""
    if timeout <= 0:
        return build()
    full_key = ":".join([key, *(str(v) for v in versions)])
    body = cache.get(full_key)
    if body is None:
        body = build()
        cache.set(full_key, body, timeout=timeout)
    return body


def public_response(
    request: HttpRequest, body: bytes, *, content_type: str, max_age: int
) -> HttpResponse:
    """200 with the body, an ETag and `Cache-Control: public, max-age`, or 304 when the
    client sent the same ETag in If-None-Match."""
    etag = etag_for(body)
    sent = request.headers.get("If-None-Match", "")
    if etag in [tag.strip().removeprefix("W/") for tag in sent.split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=max(max_age, 0))
    return response
