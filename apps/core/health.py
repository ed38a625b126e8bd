"""Live checks of the services the site depends on, for /healthz."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

BROKER_TIMEOUT = 3  # seconds: a broker that takes longer than this counts as down


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 returned an unexpected row")


def check_cache() -> None:
    key, value = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("a value written to the cache could not be read back")
    cache.delete(key)


def check_broker() -> None:
    from xstocks_site.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
        )
        conn.default_channel  # noqa: B018 - opening a channel proves the broker answers


def check_geoip() -> None:
    """The IP-to-country database of the jurisdiction gate: without it no country is known
    and the gate cannot block by IP, so the site reports itself unhealthy."""
    from apps.jurisdictions.geo import country_database_error

    error = country_database_error()
    if error:
        raise RuntimeError(error)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "geoip": check_geoip,
}


def run_checks() -> dict[str, dict[str, str]]:
    """Each check's state: {"status": "up"} or {"status": "down", "error": "..."}."""
    results: dict[str, dict[str, str]] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:
            results[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"status": "up"}
    return results
