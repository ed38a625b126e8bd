from __future__ import annotations

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "apps.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"

    def ready(self) -> None:
        from apps.core.health import register_check

        def check_geoip() -> None:
            """The IP-to-country database of the jurisdiction gate: without it no country
            is known and the gate cannot block by IP, so the site reports itself unhealthy."""
            from .geo import country_database_error

            error = country_database_error()
            if error:
                raise RuntimeError(error)

        register_check("geoip", check_geoip)
