from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.catalog.versions import CATALOG_VERSION_KEY
from apps.core import views as core_views
from apps.core.public_cache import public_cache

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("language/", core_views.set_language, name="set-language"),
    path("", include("apps.explorer.urls")),
    path("", include("apps.chains.urls")),
    # Before reserves: /transparency/feed/ is not a token called "feed".
    path("", include("apps.alerts.urls")),
    path("", include("apps.reserves.urls")),
    path("", include("apps.custody.urls")),
    path("", include("apps.markets.urls")),
    path("api/v1/", include("apps.explorer.api_urls")),
    path("api/v1/", include("apps.reserves.api_urls")),
    path("api/v1/", include("apps.markets.api_urls")),
    # The schema publishes the catalogue's chains and sectors as enums.
    path(
        "api/schema/",
        public_cache(CATALOG_VERSION_KEY, ages=False)(SpectacularAPIView.as_view()),
        name="api-schema",
    ),
    # The split view serves its start-up script as a file, so the page runs under the CSP.
    path(
        "api/docs/",
        public_cache(ages=False)(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="explorer/swagger_ui.html"
            )
        ),
        name="api-docs",
    ),
    path("accounts/", include("apps.onboarding.account_urls")),
    path("onboarding/", include("apps.onboarding.urls")),
    path("portfolio/", include("apps.portfolio.urls")),
    path("compliance/", include("apps.compliance.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "apps.explorer.views.not_found"
