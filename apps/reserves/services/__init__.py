"""Writes of the reserves app, one module per subject: `snapshots` (storing the backing),
`alerts` (raising and resolving), `email` (sending alerts), `cache` (the cache version),
`retention` (pruning). The computation itself is pure, in apps.reserves.computation; its
inputs are read by apps.reserves.inputs. Names used by views stay importable from here.
"""

from __future__ import annotations

from apps.reserves.computation import Backing, Inputs, _q, compute_backing
from apps.reserves.inputs import load_inputs

from .alerts import alert_message
from .cache import RESERVES_VERSION_KEY, bump_reserves_version, reserves_version
from .email import email_alerts
from .retention import prune_resolved_alerts, snapshot_observation_ids
from .snapshots import (
    compute_for_issuers,
    compute_for_token_ids,
    compute_snapshot,
    compute_snapshots,
)

__all__ = [
    "RESERVES_VERSION_KEY",
    "Backing",
    "Inputs",
    "_q",
    "alert_message",
    "bump_reserves_version",
    "compute_backing",
    "compute_for_issuers",
    "compute_for_token_ids",
    "compute_snapshot",
    "compute_snapshots",
    "email_alerts",
    "load_inputs",
    "prune_resolved_alerts",
    "reserves_version",
    "snapshot_observation_ids",
]
