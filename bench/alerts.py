"""Benchmark: e-mail alerts and feeds at 100 and 2,000 subscribers, 1 and 64 events.

Prints wall time, SQL queries and e-mails of
- create_deliveries (fan-out: one Delivery per event and subscriber who follows it),
- send_deliveries (claim, send, mark sent; one e-mail per subscriber listing its events),
- GET /transparency/feed/, /transparency/B0x/feed/ and /transparency/B0x/badge.svg, built
  (cache off) and from the cache (median of 3 after a warm-up).
Target: fan-out queries that do not grow with subscribers (INSERTs in batches of 1,000),
three queries per e-mail sent, feeds and the badge in a fixed number of queries.

Runs on a throw-away test database (SQLite in memory, or test_<name> with DATABASE_URL):
    .venv/bin/python bench/alerts.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

SUBSCRIBERS = (100, 2000)
EVENTS = (1, 64)
TOKENS = 64
RUNS = 3


def measure(fn) -> tuple[float, int, int, object]:
    """(seconds, queries, of which INSERT, result) of one call."""
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    inserts = sum(q["sql"].startswith("INSERT") for q in ctx.captured_queries)
    return elapsed, len(ctx.captured_queries), inserts, result


def subscribe(n: int, tokens: list) -> None:
    """n confirmed addresses: a quarter follow every token, the rest one token each."""
    from apps.alerts.models import Subscriber, Subscription

    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{i}@example.org", created_at=now) for i in range(n)
    )
    Subscription.objects.bulk_create(
        Subscription(
            subscriber=s,
            token=None if i % 4 == 0 else tokens[i % len(tokens)],
            created_at=now,
            confirmed_at=now,
        )
        for i, s in enumerate(subscribers)
    )


def record(n: int, tokens: list, tag: str) -> list[int]:
    from apps.reserves.models import PublicEvent
    from apps.reserves.services.events import record_events

    now = timezone.now()
    return record_events(
        events=[
            PublicEvent(
                key=f"bench:{tag}:{i}",
                kind=PublicEvent.Kind.ALERT_RAISED,
                condition="stale",
                token=tokens[i % len(tokens)],
                issuer_id=tokens[i % len(tokens)].issuer_id,
                title=f"{tokens[i % len(tokens)].symbol}: Stale data",
                body="A supply reading is older than its chain allows.",
                occurred_at=now,
            )
            for i in range(n)
        ]
    )


def main() -> None:
    from apps.alerts.services import deliveries
    from apps.catalog.models import Token
    from apps.reserves.services import compute_snapshots
    from tests.reserves.helpers import make_backed_catalog

    client = Client()
    print(f"database: {connection.vendor}")
    print(
        f"{'subs':>5} {'events':>6}  {'what':<36} {'wall ms':>9} {'queries':>8} "
        f"{'inserts':>8} {'mails':>6}"
    )
    for n in SUBSCRIBERS:
        call_command("flush", interactive=False, verbosity=0)
        make_backed_catalog(TOKENS)
        tokens = list(Token.objects.select_related("issuer", "security").order_by("pk"))
        compute_snapshots(tokens=tokens)
        subscribe(n, tokens)
        for e in EVENTS:
            ids = record(e, tokens, f"{n}:{e}")
            t, q, i, pending = measure(lambda ids=ids: deliveries.create_deliveries(event_ids=ids))
            print(f"{n:>5} {e:>6}  {'create_deliveries':<36} {t * 1000:>9.1f} {q:>8} {i:>8} {0:>6}")
            mail.outbox.clear()
            t, q, i, sent = measure(
                lambda pending=pending: deliveries.send_deliveries(delivery_ids=pending)
            )
            line = f"send_deliveries ({sent} deliveries)"
            print(f"{n:>5} {e:>6}  {line:<36} {t * 1000:>9.1f} {q:>8} {i:>8} {len(mail.outbox):>6}")
        for label, seconds in (("built", 0), ("cached", 60)):
            settings.FEED_CACHE_SECONDS = settings.BADGE_CACHE_SECONDS = seconds
            for url in (
                "/transparency/feed/",
                "/transparency/B0x/feed/",
                "/transparency/B0x/badge.svg",
            ):
                client.get(url)  # warm-up
                results = [measure(lambda url=url: client.get(url)) for _ in range(RUNS)]
                t = statistics.median(r[0] for r in results)
                what = f"GET {url} ({label})"
                print(f"{n:>5} {'':>6}  {what:<36} {t * 1000:>9.1f} {results[-1][1]:>8} {0:>8}")


if __name__ == "__main__":
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
