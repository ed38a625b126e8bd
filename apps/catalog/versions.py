"""The catalogue's cache version: pages and filter options that show the catalogue put it in
their cache keys; any change to the catalogue (the registry loader, the admin) bumps it."""

from __future__ import annotations

from apps.core import cache_versions

CATALOG_VERSION_KEY = "catalog:choices-version"


def catalog_version() -> int:
    return cache_versions.current(CATALOG_VERSION_KEY)


def forget_choices() -> None:
    """Called when the catalogue changed: the next page reads the options afresh."""
    cache_versions.bump(CATALOG_VERSION_KEY)
