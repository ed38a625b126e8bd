"""Which supply observations other apps still need, so that pruning keeps them.

Apps above chains register a function returning observation ids they refer to (reserves:
every observation a ReserveSnapshot's provenance names), from their AppConfig.ready();
chains never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Keeper = Callable[[], Iterable[int]]
_KEEPERS: dict[str, Keeper] = {}


def keep_observations(name: str, keeper: Keeper) -> None:
    """Register `keeper`: the ids it returns are never pruned."""
    _KEEPERS[name] = keeper


def kept_observation_ids() -> set[int]:
    ids: set[int] = set()
    for keeper in _KEEPERS.values():
        ids.update(keeper())
    return ids
