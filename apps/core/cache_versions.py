"""Version counters in the cache: a reader puts the number in its cache keys, a writer bumps
it, and every entry made under the old number is never read again."""

from __future__ import annotations

import time

from django.core.cache import cache


def current(key: str) -> int:
    """The counter's value; a missing counter starts at the clock, so a flushed cache never
    brings back a number that keyed older entries."""
    return int(cache.get_or_set(key, time.time_ns(), timeout=None))


def bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache (evicted or flushed)
        cache.set(key, time.time_ns(), timeout=None)
