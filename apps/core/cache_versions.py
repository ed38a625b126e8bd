"""Version counters in the cache: a reader puts the number in its cache keys, a writer bumps
it, and every entry made under the old number is never read again."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from django.core.cache import cache

# How long this process may reuse counters it read (read_many): a bump made here is seen at
# once; one made by another process (a worker) within this many seconds.
LOCAL_SECONDS = 0.1
_local: dict[str, tuple[int, float]] = {}
_lock = threading.Lock()


def current(key: str) -> int:
    """The counter's value; a missing counter starts at the clock, so a flushed cache never
    brings back a number that keyed older entries."""
    return int(cache.get_or_set(key, time.time_ns(), timeout=None))


def bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache (evicted or flushed)
        cache.set(key, time.time_ns(), timeout=None)
    with _lock:
        _local.pop(key, None)


def read_many(keys: Sequence[str]) -> tuple[int, ...]:
    """The counters' values, in one cache round trip at most: values this process read less
    than LOCAL_SECONDS ago are reused (a wave of requests asks the cache ten times a
    second, not once per request); a missing counter is started."""
    now = time.monotonic()
    with _lock:
        known = {
            k: _local[k][0] for k in keys if k in _local and now - _local[k][1] < LOCAL_SECONDS
        }
    missing = [k for k in keys if k not in known]
    if missing:
        found = cache.get_many(missing)
        fresh = {k: int(found[k]) if k in found else current(k) for k in missing}
        with _lock:
            for k, value in fresh.items():
                _local[k] = (value, now)
        known.update(fresh)
    return tuple(known[k] for k in keys)


def forget_local() -> None:
    """Drop the counters this process remembers (after the cache was cleared, in tests)."""
    with _lock:
        _local.clear()
