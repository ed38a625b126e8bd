"""Writes of the markets app, one module per subject: `recording` (quotes and bars),
`compaction` (history roll-ups and quote retention), `sync` (asking the sources), `cache`
(the price version). Names used by views and commands stay importable from here.
"""

from __future__ import annotations

from .cache import (
    ORACLE_REPORTS_VERSION_KEY,
    PRICES_VERSION_KEY,
    VERSION_KEY,
    bump_oracle_reports_version,
    bump_price_version,
    price_version,
)
from .compaction import compact_history
from .recording import RecordResult, jump_bps, record_quotes, review_quote, update_bars
from .sync import SyncResult, build_universe, configured_sources, sync_prices

__all__ = [
    "ORACLE_REPORTS_VERSION_KEY",
    "PRICES_VERSION_KEY",
    "VERSION_KEY",
    "RecordResult",
    "SyncResult",
    "build_universe",
    "bump_oracle_reports_version",
    "bump_price_version",
    "compact_history",
    "configured_sources",
    "jump_bps",
    "price_version",
    "record_quotes",
    "review_quote",
    "sync_prices",
    "update_bars",
]
