"""Anonymous API throttling keyed by the real client address.

DRF's own AnonRateThrottle believes any X-Forwarded-For header (with NUM_PROXIES unset), so
a client could rotate the header to escape its limit. This one asks the site's client-IP
function, which reads X-Forwarded-For only when the request comes from TRUSTED_PROXIES,
and counts an IPv6 client by its /64 like the log-in limits.

It counts in fixed windows (a counter per client and window, one cache round trip on
Redis) rather than DRF's list of every request time, which is read, unpickled, grown and
written again on every request: the throttle cost more than a cached answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle

from apps.jurisdictions.geo import client_network

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ClientAnonRateThrottle(AnonRateThrottle):
    """API_ANON_RATE requests per client address (e.g. "600/minute"); 429 with Retry-After."""

    def get_rate(self) -> str:
        return settings.API_ANON_RATE

    def get_ident(self, request: Request) -> str:
        # An IPv6 client is counted by its /64: one host can rotate through it at will.
        return client_network(request._request)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: Request, view: APIView) -> bool:
        """At most num_requests per client in each window of `duration` seconds."""
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        return self._count(f"{self.key}:{window}") <= self.num_requests

    def _count(self, key: str) -> int:
        timeout = int(self.duration) + 1
        incr_window = getattr(cache, "incr_window", None)
        if incr_window is not None:  # the Redis backend: one round trip
            return incr_window(key, timeout=timeout)
        if cache.add(key, 1, timeout=timeout):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, timeout=timeout)
            return 1

    def wait(self) -> float:
        """Seconds until the window ends (the Retry-After of the 429)."""
        return max(self.window_end - self.now, 1)
