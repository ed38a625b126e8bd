"""Benchmark: compute reserve snapshots and render /transparency/ for 64 and 1,000 tokens.

Prints wall time and SQL query count of
- compute_snapshots over every token, first run (a new snapshot per token) and a re-run
  with nothing changed (no new rows),
- GET /transparency/, /api/v1/reserves/ and /tokens/ (median of 3 after a warm-up).
Target: a query count that does not grow with tokens (reads), and under 1 s for 1,000.

Runs on a throw-away test database (SQLite in memory, or test_<name> with DATABASE_URL):
    .venv/bin/python bench/reserves.py
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

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

SIZES = (64, 1000)
RUNS = 3


def measure(fn) -> tuple[float, int, int]:
    """(seconds, queries, of which INSERT) of one call."""
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
    inserts = sum(q["sql"].startswith("INSERT") for q in ctx.captured_queries)
    return elapsed, len(ctx.captured_queries), inserts


def main() -> None:
    from apps.catalog.models import Token
    from apps.reserves.services import compute_snapshots
    from tests.reserves.helpers import make_backed_catalog

    client = Client()
    print(f"database: {connection.vendor}")
    print(f"{'tokens':>6}  {'what':<34} {'wall ms':>9} {'queries':>8} {'inserts':>8}")
    for n in SIZES:
        call_command("flush", interactive=False, verbosity=0)
        make_backed_catalog(n)

        def compute():
            compute_snapshots(tokens=Token.objects.select_related("issuer", "security"))

        t, q, i = measure(compute)
        print(f"{n:>6}  {'compute_snapshots (all new rows)':<34} {t * 1000:>9.1f} {q:>8} {i:>8}")
        results = [measure(compute) for _ in range(RUNS)]
        t = statistics.median(r[0] for r in results)
        q, i = results[-1][1:]
        print(f"{n:>6}  {'compute_snapshots (unchanged)':<34} {t * 1000:>9.1f} {q:>8} {i:>8}")
        for url in ("/transparency/", "/api/v1/reserves/", "/tokens/", "/transparency/B0x/"):
            client.get(url)  # warm-up: templates compiled, caches filled
            results = []
            for _ in range(RUNS):
                results.append(measure(lambda url=url: client.get(url)))
            t = statistics.median(r[0] for r in results)
            q = results[-1][1]
            print(f"{n:>6}  {'GET ' + url:<34} {t * 1000:>9.1f} {q:>8} {0:>8}")


if __name__ == "__main__":
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
