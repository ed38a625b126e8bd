from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class JurisdictionsConfig(AppConfig):
    name = "apps.jurisdictions"
    label = "jurisdictions"
    verbose_name = "Jurisdictions"

    def ready(self) -> None:
        from apps.core.health import register_check

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .geo import country_database_error

        def check_geoip() -> None:
            """The IP-to-country database of the jurisdiction gate: without it no country
            is known and the gate cannot block by IP, so the site reports itself unhealthy."""
            error = country_database_error()
            if error:
                raise RuntimeError(error)

        register_check("geoip", check_geoip)

        # The gate fails closed without a country database: in production that would
        # refuse every investor, so the site does not start at all.
        if settings.PRODUCTION:
            error = country_database_error()
            if error:
                raise ImproperlyConfigured(
                    f"{error}: production needs a readable country database (GEOIP_DB_PATH)"
                )
