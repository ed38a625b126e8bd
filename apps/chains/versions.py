"""The chains' cache versions: pages and API answers that show supply readings or oracle
rounds put them in their cache keys; the syncs bump them after commit when they recorded
something new."""

from __future__ import annotations

from apps.core import cache_versions

SUPPLY_VERSION_KEY = "chains:supply:version"
ORACLES_VERSION_KEY = "chains:oracles:version"


def bump_supply_version() -> None:
    cache_versions.bump(SUPPLY_VERSION_KEY)


def bump_oracles_version() -> None:
    cache_versions.bump(ORACLES_VERSION_KEY)
