from __future__ import annotations

from django.urls import path

from .api import LatestPricesView, OracleView, TokenPricesView

urlpatterns = [
    path("prices/", LatestPricesView.as_view(), name="api-prices"),
    path("tokens/<symbol:symbol>/prices/", TokenPricesView.as_view(), name="api-token-prices"),
    path("oracle/", OracleView.as_view(), name="api-oracle"),
]
