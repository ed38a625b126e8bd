from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.urls import register_converter

        from .converters import SymbolConverter

        # Before any URLconf is read: every app spells /<symbol>/ the same way.
        register_converter(SymbolConverter, "symbol")
