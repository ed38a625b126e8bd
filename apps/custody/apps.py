from __future__ import annotations

from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "apps.custody"
    label = "custody"
    verbose_name = "Custody"
