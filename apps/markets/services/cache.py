"""The price cache version: bumped on every published quote."""

from __future__ import annotations

import logging

from apps.core import cache_versions

log = logging.getLogger("apps.markets.services")

VERSION_KEY = "markets:version"
PRICES_VERSION_KEY = VERSION_KEY  # the name public pages declare (apps.core.public_cache)
# Chainlink Data Streams reports (the oracle beside the site's figures).
ORACLE_REPORTS_VERSION_KEY = "markets:oracle-reports:version"


def price_version() -> int:
    """A number that changes whenever a quote is published (cache keys and ETags use it)."""
    return cache_versions.current(VERSION_KEY)


def bump_oracle_reports_version() -> None:
    cache_versions.bump(ORACLE_REPORTS_VERSION_KEY)


def bump_price_version() -> None:
    """Called at once and again on commit: a reader that cached the old prices between the
    two (it could not see the uncommitted rows) is outdated by the second bump."""
    cache_versions.bump(VERSION_KEY)
