"""Anonymous API throttling keyed by the real client address.

DRF's own AnonRateThrottle believes any X-Forwarded-For header (with NUM_PROXIES unset), so
a client could rotate the header to escape its limit. This one asks the site's client-IP
function, which reads X-Forwarded-For only when the request comes from TRUSTED_PROXIES,
and counts an IPv6 client by its /64 like the log-in limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
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
