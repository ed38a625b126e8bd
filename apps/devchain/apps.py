from __future__ import annotations

from django.apps import AppConfig


class DevchainConfig(AppConfig):
    name = "apps.devchain"
    label = "devchain"
    verbose_name = "Local demo chains"
