"""Writes of the chains app, one module per subject: `runs` (the job-run record of each
read), `supply` (supply sync), `oracles` (oracle sync), `retention` (pruning old rows).

Reads (freshness, stale tokens, latest runs) are in apps.chains.selectors; the names below
stay importable from here for the views and commands that use them.
"""

from __future__ import annotations

from apps.chains.selectors import (
    DeploymentFreshness,
    deployments_with_latest_supply,
    not_read_by_chain,
    stale_tokens,
    supply_freshness,
)

from .oracles import sync_oracles
from .retention import prune_supply_observations
from .runs import JOBS, ORACLE_JOB, SUPPLY_JOB
from .supply import read_chain_supplies, sync_supply

__all__ = [
    "JOBS",
    "ORACLE_JOB",
    "SUPPLY_JOB",
    "DeploymentFreshness",
    "deployments_with_latest_supply",
    "not_read_by_chain",
    "prune_supply_observations",
    "read_chain_supplies",
    "stale_tokens",
    "supply_freshness",
    "sync_oracles",
    "sync_supply",
]
