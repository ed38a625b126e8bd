from __future__ import annotations

from django.apps import AppConfig


class ReservesConfig(AppConfig):
    name = "apps.reserves"
    label = "reserves"
    verbose_name = "Reserves"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the supply and import signals)
