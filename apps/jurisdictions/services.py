"""Writes of the jurisdictions app: the access log and its retention."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .geo import truncate_ip
from .models import AccessLogEntry, JurisdictionRule

MAX_PATH = 500  # characters of a refused path kept


def log_refusal(
    *, path: str, ip: str | None, country: str, rule: JurisdictionRule | None
) -> AccessLogEntry:
    """One refused request: time, country, path, the IP's /24 or /48 network, the rule."""
    return AccessLogEntry.objects.create(
        created_at=timezone.now(),
        country=country,
        path=path[:MAX_PATH],
        ip_prefix=truncate_ip(ip),
        rule=rule,
    )


def prune_access_log(*, now=None) -> int:
    """Delete access-log entries older than ACCESS_LOG_RETENTION_DAYS; the number deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    deleted, _ = AccessLogEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted
