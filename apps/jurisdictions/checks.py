"""System checks of the jurisdictions app."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def trusted_proxies_set(app_configs, **kwargs) -> list[Warning]:
    """Behind a proxy the client's address is read from X-Forwarded-For, and only from
    TRUSTED_PROXIES: with none set, every request seems to come from the proxy."""
    if settings.TRUSTED_PROXIES:
        return []
    return [
        Warning(
            "TRUSTED_PROXIES is empty: behind a reverse proxy every request looks like it comes "
            "from the proxy, so the jurisdiction gate and the rate limits see one address.",
            hint="Set TRUSTED_PROXIES to the proxy's address or network (README, Deploying).",
            id="jurisdictions.W001",
        )
    ]
