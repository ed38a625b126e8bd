"""Benchmark: latest prices endpoint and catalogue page at 64 and 1,000 tokens.

Prints, per size and URL: SQL queries (cold and served from the cache), wall time of one
request, and requests per second served to 50 concurrent clients by a threaded WSGI server
on a free loopback port. Runs on a throwaway SQLite file; with DATABASE_URL set, on a
throwaway test database beside it (test_<name>, created and dropped here).

    .venv/bin/python bench/prices.py [--requests 600]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")
os.environ.setdefault("XSTOCKS_VAR_DIR", tempfile.mkdtemp(prefix="xstocks-bench-"))
os.environ.setdefault("DEBUG", "false")
# Each request closes its connection, so the throwaway database can be dropped at the end.
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# One address sends every request: measure the answers, not the API throttle.
os.environ.setdefault("API_ANON_RATE", "100000000/minute")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.catalog.models import Chain, Deployment, Issuer, Security, Token  # noqa: E402
from apps.markets.models import Bar, Quote  # noqa: E402
from apps.markets.services import record_quotes  # noqa: E402
from apps.markets.sources import PriceQuote  # noqa: E402
from tests.factories import evm_address, make_isin, solana_address  # noqa: E402

CLIENTS = 50
URLS = ["/api/v1/prices/", "/tokens/"]


def grow_catalogue(n: int) -> None:
    """Add tokens up to n, each on two chains, with prices now and a day ago."""
    issuer, _ = Issuer.objects.get_or_create(
        slug="bench", defaults={"name": "Bench Issuer", "jurisdiction": "JE"}
    )
    eth, _ = Chain.objects.get_or_create(
        slug="ethereum", defaults={"kind": "evm", "name": "Ethereum", "chain_id": 1}
    )
    sol, _ = Chain.objects.get_or_create(
        slug="solana", defaults={"kind": "solana", "name": "Solana"}
    )
    have = Token.objects.count()
    secs = Security.objects.bulk_create(
        Security(ticker=f"B{i:04d}", name=f"Bench {i} Inc.", isin=make_isin(50000 + i))
        for i in range(have, n)
    )
    tokens = Token.objects.bulk_create(
        Token(symbol=f"{s.ticker}x", name=f"{s.name} xStock", issuer=issuer, security=s)
        for s in secs
    )
    Deployment.objects.bulk_create(
        Deployment(token=t, chain=c, address=addr(f"{c.slug}:{t.symbol}"), decimals=d)
        for t in tokens
        for c, addr, d in ((eth, evm_address, 18), (sol, solana_address, 8))
    )
    now = timezone.now()
    max_age = dt.timedelta(minutes=5)
    for when, bump in ((now - dt.timedelta(days=1, minutes=5), 0), (now, 1)):
        quotes = []
        for i, (s, t) in enumerate(zip(secs, tokens, strict=True)):
            price = Decimal(100 + i % 300 + bump)
            quotes.append(PriceQuote("security", s.isin, price, when, "simulator", max_age))
            quotes.append(PriceQuote("token", t.symbol, price, when, "simulator", max_age))
        record_quotes(quotes=quotes, received_at=when)


def queries_and_time(url: str) -> tuple[int, int, float, float]:
    client = Client()
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        cold_s = time.perf_counter() - start
    with CaptureQueriesContext(connection) as warm:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append(time.perf_counter() - start)
    return len(cold), len(warm) // 5, cold_s, statistics.median(times)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def throughput(port: int, url: str, total: int) -> tuple[float, int]:
    def one(_: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = list(pool.map(one, range(total)))
    elapsed = time.perf_counter() - start
    return total / elapsed, sum(1 for s in statuses if s != 200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="per URL and size")
    args = parser.parse_args()
    test_db = None
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
    else:
        test_db = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = make_server("127.0.0.1", 0, get_wsgi_application(), ThreadingWSGIServer, QuietHandler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"database: {connection.vendor}; {CLIENTS} concurrent clients; port {port}")
    header = (
        f"{'tokens':>6}  {'url':<16} {'SQL cold':>8} {'SQL cached':>10} "
        f"{'cold ms':>8} {'cached ms':>9} {'req/s':>7} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    try:
        for size in (64, 1000):
            grow_catalogue(size)
            assert Token.objects.count() == size
            for url in URLS:
                cold_q, warm_q, cold_s, warm_s = queries_and_time(url)
                rps, errors = throughput(port, url, args.requests)
                print(
                    f"{size:>6}  {url:<16} {cold_q:>8} {warm_q:>10} "
                    f"{cold_s * 1000:>8.1f} {warm_s * 1000:>9.1f} {rps:>7.0f} {errors:>6}"
                )
        print(f"quotes {Quote.objects.count()}, bars {Bar.objects.count()}")
    finally:
        server.shutdown()
        server.server_close()
        if test_db:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
