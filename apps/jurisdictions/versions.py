"""The jurisdiction rules' cache version: anything that shows or caches the rules in force
puts it in its cache keys; every rule put in force or ended bumps it after commit."""

from __future__ import annotations

from apps.core import cache_versions

RULES_VERSION_KEY = "jurisdictions:rules:version"


def bump_rules_version() -> None:
    cache_versions.bump(RULES_VERSION_KEY)
