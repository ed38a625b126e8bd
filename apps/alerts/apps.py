from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """What public readers follow: Atom feeds of the public event log and e-mail alerts
    without an account (double opt-in, one-click unsubscribe, each event sent once)."""

    name = "apps.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (new public events are e-mailed to subscribers)
