from __future__ import annotations

from django.apps import AppConfig


class ExplorerConfig(AppConfig):
    """Public pages and API that compose several apps: the home page, the catalogue, the
    token page, /api/v1/tokens/, and the API's shared pieces (throttling, errors)."""

    name = "apps.explorer"
    label = "explorer"
    verbose_name = "Explorer"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (validates the /compare/ data file)
