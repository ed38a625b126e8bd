from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("reserves/", api.ReservesListView.as_view(), name="api-reserves"),
    path(
        "tokens/<symbol:symbol>/reserves/",
        api.TokenReservesView.as_view(),
        name="api-token-reserves",
    ),
    path(
        "tokens/<symbol:symbol>/reserves/history/",
        api.TokenReservesHistoryView.as_view(),
        name="api-token-reserves-history",
    ),
]
