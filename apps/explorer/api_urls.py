from __future__ import annotations

from django.urls import path

from .api import TokenViewSet

urlpatterns = [
    path("tokens/", TokenViewSet.as_view({"get": "list"}), name="api-token-list"),
    path(
        "tokens/<symbol:symbol>/",
        TokenViewSet.as_view({"get": "retrieve"}),
        name="api-token-detail",
    ),
]
