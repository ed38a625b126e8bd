"""Whole answers to anonymous GETs of public pages and API endpoints, kept in the shared cache
until the data they show changes, plus the HTTP caching headers that let a browser, a proxy
or a CDN keep them too.

A view declares the data versions (apps.core.cache_versions keys) its answer depends on:

    @public_cache(CATALOG_VERSION_KEY, PRICES_VERSION_KEY)
    def token_list(request): ...

    class ReservesListView(APIView):
        @method_decorator(public_cache(RESERVES_VERSION_KEY))
        def get(self, request): ...

An anonymous GET is answered from the cache while those versions are unchanged, within
PUBLIC_CACHE_SECONDS: the versions are read from the cache (one round trip, at most ten a
second per process), the entry comes from this process's memory or the cache, and neither
the database nor the template engine is touched. A writer that bumps one of the versions
(on commit) makes every answer that shows it be built afresh at its next request (in other
processes within cache_versions.LOCAL_SECONDS); answers that do not show it stay.

An answer older than PUBLIC_CACHE_SECONDS is built again even when its versions did not
move, so the parts of a page that age without any write (a price's "12 s ago", a supply
that turns stale) are never older than that; one process builds it (a claim in the cache)
while the others go on serving the previous build, so a wave of readers never waits for it.

Anonymous means: no session cookie and no messages cookie, read without touching the
database. Any other request is answered by the view as usual and marked `private,
no-store`: a logged-in user never gets a cached anonymous page, nor anyone else's.

Public answers carry a weak ETag made of the versions and the build time (304 on
If-None-Match), Last-Modified (304 on If-Modified-Since), `Cache-Control: public,
max-age=PUBLIC_CACHE_MAX_AGE, stale-while-revalidate=PUBLIC_CACHE_STALE_SECONDS`, and
vary on Cookie, HX-Request, Accept-Language and Accept-Encoding. They are gzipped when
the client accepts it: only these, because they carry neither a CSRF token nor anything
of one user (BREACH needs a secret and reflected input in one compressed body). An answer
that would carry a CSRF token or set a cookie is never stored, never compressed, and goes
out as private.

`CacheControlMiddleware` marks every other answer that says nothing itself `private,
no-store` (logged-in pages, onboarding, the back office, documents).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from . import cache_versions

log = logging.getLogger(__name__)

ENTRY_PREFIX = "public:"
VARY = ("Cookie", "HX-Request", "Accept-Language", "Accept-Encoding")
# Cookies that make a request someone's: a session (logged in, or an application under
# way) or a message waiting to be shown. Their presence alone decides; nothing is read.
PRIVATE_COOKIES = ("messages",)
MAX_QUERY_CHARS = 1024  # longer query strings are answered, never stored
MAX_HEADER_VARIANT_CHARS = 16  # of HX-Request in the key
COMPRESS_MIN_BYTES = 200  # smaller bodies gain nothing from gzip
GZIP_LEVEL = 6
COMPRESSIBLE = (
    "text/html",
    "application/json",
    "text/csv",
    "text/plain",
    "application/xml",
    "application/atom+xml",
    "image/svg+xml",
)
# The view's own headers a stored answer keeps (a badge's own CSP and resource policy).
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Content-Language",
    "Link",
    "Content-Security-Policy",
    "Cross-Origin-Resource-Policy",
)
LOCAL_MAX_BYTES = 32 * 1024 * 1024  # entries kept in each process's memory as well
BUILDING_PREFIX = "public:building:"
BUILD_CLAIM_SECONDS = 30  # a build that crashed without saying so frees its claim after this
KEEP_FACTOR = 6  # entries stay in the cache this many PUBLIC_CACHE_SECONDS
TIMELESS_SECONDS = 86400  # answers that do not age (ages=False) are built again daily at most


class LocalEntries:
    """The latest entries in this process's memory, least recently used out first.

    An entry's key names the versions it was built for, so a copy never shows outdated
    data, and a hit costs one cache round trip (the versions) or none; a copy older than
    PUBLIC_CACHE_SECONDS is checked against the shared cache, where another process may
    have built it again.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def clear(self) -> None:
        """Forget every copy (after the shared cache was cleared, in tests)."""
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0

    def put(self, key: str, entry: dict) -> None:
        size = len(entry["body"]) + len(entry["gzip"] or b"")
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._entries:
                if self._entries[key]["built_at"] >= entry["built_at"]:
                    return
                self._bytes -= self._sizes.pop(key)
                del self._entries[key]
            self._entries[key] = entry
            self._sizes[key] = size
            self._bytes += size
            while self._bytes > self.max_bytes:
                old, _ = self._entries.popitem(last=False)
                self._bytes -= self._sizes.pop(old)


local_entries = LocalEntries(LOCAL_MAX_BYTES)


def is_anonymous(request: HttpRequest) -> bool:
    """No cookie that makes the request someone's (the database is not asked)."""
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies:
        return False
    return not any(name in cookies for name in PRIVATE_COOKIES)


def public_cache(
    *version_keys: str,
    max_age: int | str | None = None,
    ages: bool = True,
    lifetime: str | None = None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Decorator: cache the view's anonymous GET answers whole until one of `version_keys`
    is bumped (or PUBLIC_CACHE_SECONDS pass), with ETag, Last-Modified, Cache-Control and
    gzip. `max_age=0` for fragments polled by the page itself: clients then revalidate
    every time (a 304 costs one cache read); or the name of a setting. `ages=False` for
    answers that show nothing that changes with time alone (no "ago", no staleness, no
    window ending now): they are kept until a version moves (at most a day). `lifetime`
    names a setting to use instead of PUBLIC_CACHE_SECONDS (e.g. a badge's own)."""
    keys = tuple(version_keys)
    if not ages:
        lifetime = "PUBLIC_CACHE_TIMELESS_SECONDS"

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        view_id = f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return _answer(view, view_id, keys, max_age, lifetime, request, args, kwargs)

        wrapped.public_cache_versions = keys  # type: ignore[attr-defined]
        return wrapped

    return decorate


def _answer(
    view: Callable[..., HttpResponseBase],
    view_id: str,
    keys: tuple[str, ...],
    max_age: int | str | None,
    lifetime: str | None,
    request: Any,
    args: tuple,
    kwargs: dict,
) -> HttpResponseBase:
    # A DRF view hands its own Request; the Django request is underneath.
    raw: HttpRequest = getattr(request, "_request", request)
    if raw.method != "GET" or not is_anonymous(raw) or not _public_format(request):
        return mark_private(view(request, *args, **kwargs))
    query = raw.META.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY_CHARS:
        return mark_private(view(request, *args, **kwargs))
    seconds = settings.PUBLIC_CACHE_SECONDS
    if seconds > 0 and lifetime is not None:
        seconds = getattr(settings, lifetime, TIMELESS_SECONDS)
    tag = _tag(raw, request, view_id, keys, query)
    entry_key = ENTRY_PREFIX + tag
    claimed = False
    if seconds > 0:
        entry = _lookup(entry_key, seconds)
        if entry is not None:
            if time.time() - entry["built_at"] < seconds:
                return _from_entry(raw, entry, tag, max_age)
            # Only its ages are old (the versions are the same): one process builds it
            # again while the others go on serving it.
            claimed = cache.add(BUILDING_PREFIX + tag, 1, timeout=BUILD_CLAIM_SECONDS)
            if not claimed:
                return _from_entry(raw, entry, tag, max_age)
    elif _etag_matches(raw, etag_for(tag, None)):
        return _not_modified(etag_for(tag, None), max_age)
    try:
        response = view(request, *args, **kwargs)
    except BaseException:
        if claimed:
            cache.delete(BUILDING_PREFIX + tag)
        raise

    def finish(response: HttpResponseBase) -> HttpResponseBase:
        try:
            return _store(raw, response, entry_key, tag, max_age, seconds)
        finally:
            if claimed:
                cache.delete(BUILDING_PREFIX + tag)

    if hasattr(response, "add_post_render_callback") and not response.is_rendered:
        # A TemplateResponse (DRF's Response) is rendered after the view returns.
        response.add_post_render_callback(finish)
        return response
    return finish(response)


def _lookup(entry_key: str, seconds: int) -> dict | None:
    """The newest entry under `entry_key`: this process's copy, or the shared one when
    that copy is missing or old (another process may have built it again since)."""
    entry = local_entries.get(entry_key)
    if entry is None or time.time() - entry["built_at"] >= seconds:
        shared = cache.get(entry_key)
        if shared is not None and (entry is None or shared["built_at"] > entry["built_at"]):
            local_entries.put(entry_key, shared)
            entry = shared
    return entry


def _public_format(request: Any) -> bool:
    """DRF's browsable API (an HTML page with the user and a CSRF token, development only)
    is never shared; its JSON is."""
    renderer = getattr(request, "accepted_renderer", None)
    return renderer is None or getattr(renderer, "format", "") == "json"


def _tag(raw: HttpRequest, request: Any, view_id: str, keys: tuple[str, ...], query: str) -> str:
    versions = current_versions(keys)
    renderer = getattr(getattr(request, "accepted_renderer", None), "format", "")
    variant = (
        view_id,
        raw.scheme,
        raw.get_host(),  # absolute links (the API's `url`, `next`) name it
        raw.path,
        query,
        raw.headers.get("HX-Request", "")[:MAX_HEADER_VARIANT_CHARS],
        translation.get_language() or "",
        renderer,
        versions,
    )
    return hashlib.sha256(repr(variant).encode()).hexdigest()[:40]


def current_versions(keys: Sequence[str]) -> tuple[int, ...]:
    """The versions' values, one cache round trip at most (cache_versions.read_many)."""
    return cache_versions.read_many(keys) if keys else ()


def etag_for(tag: str, built_at: float | None) -> str:
    """Weak: the same data and the same build time; gzip or not is the same answer."""
    return f'W/"{tag}"' if built_at is None else f'W/"{tag}-{int(built_at)}"'


def _etag_matches(raw: HttpRequest, etag: str) -> bool:
    sent = raw.headers.get("If-None-Match")
    if not sent:
        return False
    wanted = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in sent.split(","))


def _public_headers(response: HttpResponseBase, etag: str, max_age: int | str | None) -> None:
    response["ETag"] = etag
    if max_age is None:
        age = settings.PUBLIC_CACHE_MAX_AGE
    elif isinstance(max_age, str):
        age = getattr(settings, max_age)
    else:
        age = max_age
    if age > 0:
        patch_cache_control(
            response,
            public=True,
            max_age=age,
            stale_while_revalidate=settings.PUBLIC_CACHE_STALE_SECONDS,
        )
    else:
        patch_cache_control(response, public=True, no_cache=True)
    patch_vary_headers(response, VARY)


def _not_modified(etag: str, max_age: int | str | None) -> HttpResponse:
    response = HttpResponseNotModified()
    _public_headers(response, etag, max_age)
    return response


def _from_entry(raw: HttpRequest, entry: dict, tag: str, max_age: int | str | None) -> HttpResponse:
    built_at = entry["built_at"]
    etag = etag_for(tag, built_at)
    if _etag_matches(raw, etag):
        return _not_modified(etag, max_age)
    since = parse_http_date_safe(raw.headers.get("If-Modified-Since", ""))
    if since is not None and "If-None-Match" not in raw.headers and int(built_at) <= since:
        return _not_modified(etag, max_age)
    gz = entry["gzip"] if entry["gzip"] is not None and accepts_gzip(raw) else None
    response = HttpResponse(gz if gz is not None else entry["body"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    if gz is not None:
        response["Content-Encoding"] = "gzip"
    response["Last-Modified"] = http_date(built_at)
    _public_headers(response, etag, max_age)
    return response


def _store(
    raw: HttpRequest,
    response: HttpResponseBase,
    entry_key: str,
    tag: str,
    max_age: int | str | None,
    seconds: int,
) -> HttpResponseBase:
    if response.status_code != 200 or response.streaming:
        return response  # refusals and errors go out as the view made them
    if raw.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies:
        # The body holds a CSRF token or the answer sets a cookie: it is someone's.
        log.info("%s carries a CSRF token or a cookie: not cached, private", raw.path)
        return mark_private(response)
    body = response.content
    gz = _gzip(body, response.get("Content-Type", ""))
    built_at = time.time()
    if seconds > 0:
        entry = {
            "status": response.status_code,
            "headers": [(h, response[h]) for h in KEPT_HEADERS if h in response],
            "body": body,
            "gzip": gz,
            "built_at": built_at,
        }
        # Kept past its freshness: served while one process builds it again.
        cache.set(entry_key, entry, timeout=min(seconds * KEEP_FACTOR, TIMELESS_SECONDS))
        local_entries.put(entry_key, entry)
    if gz is not None and accepts_gzip(raw):
        response.content = gz
        response["Content-Encoding"] = "gzip"
    response["Last-Modified"] = http_date(built_at)
    _public_headers(response, etag_for(tag, built_at if seconds > 0 else None), max_age)
    return response


def _gzip(body: bytes, content_type: str) -> bytes | None:
    if len(body) < COMPRESS_MIN_BYTES or not content_type.startswith(COMPRESSIBLE):
        return None
    compressed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    return compressed if len(compressed) < len(body) else None


def accepts_gzip(raw: HttpRequest) -> bool:
    """gzip named in Accept-Encoding without q=0."""
    for part in raw.headers.get("Accept-Encoding", "")[:200].split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in {"gzip", "*"}:
            q = params.strip().lower().replace(" ", "")
            return q not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


def mark_private(response: HttpResponseBase) -> HttpResponseBase:
    """`Cache-Control: private, no-store` (the answer is someone's, or must not be kept)."""
    if hasattr(response, "add_post_render_callback") and not response.is_rendered:
        response.add_post_render_callback(mark_private)
        return response
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ("Cookie",))
    return response


class CacheControlMiddleware:
    """Every answer that says nothing about caching goes out `private, no-store`; a public
    answer that sets a cookie after all is made private too (never shared with a cookie)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        control = response.get("Cache-Control", "")
        if not control:
            response["Cache-Control"] = "private, no-store"
        elif "public" in control and response.cookies:
            log.warning("%s: a public answer set a cookie; sent private", request.path)
            response["Cache-Control"] = "private, no-store"
        return response
