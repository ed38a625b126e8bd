from __future__ import annotations

from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "apps.chains"
    label = "chains"
    verbose_name = "Chains"
