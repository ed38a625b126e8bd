from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("apps.catalog.urls")),
    path("", include("apps.chains.urls")),
    path("", include("apps.reserves.urls")),
    path("", include("apps.custody.urls")),
    path("api/v1/", include("apps.reserves.api_urls")),
    path("", include("apps.markets.urls")),
    path("api/v1/", include("apps.catalog.api_urls")),
    path("api/v1/", include("apps.markets.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("accounts/", include("apps.onboarding.account_urls")),
    path("onboarding/", include("apps.onboarding.urls")),
    path("compliance/", include("apps.compliance.urls")),
    path("admin/", admin.site.urls),
]
