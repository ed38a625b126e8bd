"""Live checks of the services the site depends on, for /healthz.

Core checks the database, the cache and the broker; apps add their own checks from
their AppConfig.ready() with `register_check(name, function)`, so core imports no app.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

BROKER_TIMEOUT = 3  # seconds: a broker that takes longer than this counts as down
ERROR_CHARS = 300  # a check's error message is cut to this

Check = Callable[[], None]


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


CHECKS: dict[str, Check] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def register_check(name: str, check: Check) -> None:
    """Add (or replace) a named check; call it from an AppConfig.ready().

    The check raises with a short message when its service is down and returns None
    when it is up.
    """
    CHECKS[name] = check


def unregister_check(name: str) -> None:
    CHECKS.pop(name, None)


def run_checks() -> dict[str, dict[str, str]]:
    """Each check's state: {"status": "up"} or {"status": "down", "error": "..."}."""
    results: dict[str, dict[str, str]] = {}
    for name, check in list(CHECKS.items()):
        try:
            check()
        except Exception as exc:
            results[name] = {
                "status": "down",
                "error": f"{type(exc).__name__}: {exc}"[:ERROR_CHARS],
            }
        else:
            results[name] = {"status": "up"}
    return results
