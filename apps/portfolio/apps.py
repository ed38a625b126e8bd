from __future__ import annotations

from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "apps.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (reads a wallet's balances once it is verified)
