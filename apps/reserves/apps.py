from __future__ import annotations

from django.apps import AppConfig


class ReservesConfig(AppConfig):
    name = "apps.reserves"
    label = "reserves"
    verbose_name = "Reserves"

    def ready(self) -> None:
        from apps.chains.retention import keep_observations

        from . import checks, receivers  # noqa: F401  (badge check; supply and import signals)
        from .services.retention import snapshot_observation_ids

        # Published snapshots must stay re-derivable: the chains pruning keeps what they name.
        keep_observations("reserves.snapshots", snapshot_observation_ids)
