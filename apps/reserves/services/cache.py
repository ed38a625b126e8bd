"""The reserves cache version: cached pages that show the backing put it in their keys."""

from __future__ import annotations

from apps.core import cache_versions

RESERVES_VERSION_KEY = "reserves:version"


def reserves_version() -> int:
    """A number that changes whenever a snapshot or an alert is written (cache keys use it)."""
    return cache_versions.current(RESERVES_VERSION_KEY)


def bump_reserves_version() -> None:
    cache_versions.bump(RESERVES_VERSION_KEY)
