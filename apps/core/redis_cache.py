"""Django's Redis cache with one client object per connection pool.

Django's RedisCacheClient builds a new redis.Redis for every cache operation; with
redis-py 5 and later that constructor fills a table of some 170 response callbacks, about
0.3 ms each time, which was most of what a cached public answer cost (two operations).
A redis.Redis is only a handle on its pool and is safe to share between threads, and the
pool itself resets its connections after a fork, so one is kept per pool.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    """settings.CACHES backend "apps.core.redis_cache.RedisCache" (same LOCATION and
    OPTIONS as Django's)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def incr_window(self, key: str, *, timeout: int) -> int:
        """Add one to a counter that expires `timeout` seconds after its first count, in one
        round trip (INCR and EXPIRE NX in a pipeline); returns the count."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        pipe = client.pipeline(transaction=False)  # one round trip, no MULTI/EXEC
        pipe.incr(key)
        pipe.expire(key, timeout, nx=True)
        count, _ = pipe.execute()
        return int(count)
