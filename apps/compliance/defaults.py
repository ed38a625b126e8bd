"""Kept for migration compliance.0002, which seeds DEFAULT_RULES from here.

The rules live in apps.jurisdictions.defaults; this name stays the list that
migration seeded, so running it on a new database gives the same rows as before.
"""

from __future__ import annotations

from apps.jurisdictions.defaults import INITIAL_RULES as DEFAULT_RULES

__all__ = ["DEFAULT_RULES"]
