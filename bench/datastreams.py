"""Chainlink Data Streams: decoding and reading the latest report of many feeds.

Against the local demo endpoint (HTTP over loopback, HMAC-checked, reports signed by two
demo keys) with fixed observations, prints per-report decode time (ABI decode, checks and
the recovery of two signers) and the wall time of reading 14 feeds (the real v10 feeds)
and 150 feeds one request each, eight at a time, against one worker. Usage:

    .venv/bin/python bench/datastreams.py
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")

import django

django.setup()

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from apps.devchain.datastreams_demo import (  # noqa: E402
    DEMO_API_KEY,
    DEMO_API_SECRET,
    DataStreamsServer,
    Observation,
    demo_signer_addresses,
    demo_signer_keys,
    encode_report,
)
from apps.markets.datastreams import DataStreamsClient, decode_full_report  # noqa: E402

SIZES = (14, 150)
DECODES = 2000
RUNS = 3  # best of
OBSERVATION = Observation(
    price=Decimal("273.45"), tokenized_price=Decimal("273.61"), market_status=2
)


class Book:
    def __init__(self, feeds: list[str]) -> None:
        self._feeds = feeds

    def feeds(self) -> list[str]:
        return self._feeds

    def observe(self, feed_id: str, at: dt.datetime) -> Observation:
        return OBSERVATION


def feed(i: int) -> str:
    return "0x000a" + hashlib.sha256(f"bench-{i}".encode()).hexdigest()[:60]


def main() -> None:
    signers = frozenset(demo_signer_addresses())
    report = encode_report(feed(0), OBSERVATION, int(time.time()) - 1, demo_signer_keys())
    started = time.perf_counter()
    for _ in range(DECODES):
        decode_full_report(report, signers=signers, min_signatures=2)
    per = (time.perf_counter() - started) / DECODES
    print(f"decode + check + recover 2 signers: {per * 1e6:.0f} µs per report")
    print(f"{'feeds':>6} {'requests':>9} {'wall s':>8} {'ms/feed':>8}")
    for size in SIZES:
        feeds = [feed(i) for i in range(size)]
        with DataStreamsServer(Book(feeds)) as server:
            client = DataStreamsClient(
                base_url=server.url,
                client_id=DEMO_API_KEY,
                secret=DEMO_API_SECRET,
                signers=signers,
                min_signatures=2,
            )
            best = float("inf")
            for _ in range(RUNS):
                server.requests.clear()
                started = time.perf_counter()
                answers = client.latest_by_feed(feeds)
                best = min(best, time.perf_counter() - started)
                assert all(not isinstance(a, Exception) for a in answers.values())
            print(f"{size:>6} {len(server.requests):>9} {best:>8.3f} {best / size * 1000:>8.2f}")


if __name__ == "__main__":
    main()
