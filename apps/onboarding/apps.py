from __future__ import annotations

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "apps.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"

    def ready(self) -> None:
        from apps.jurisdictions.gate import register_hold

        from .access import suspended_investor_hold

        register_hold(suspended_investor_hold)
