from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("transparency/", views.transparency, name="transparency"),
    path("transparency/<symbol:symbol>/", views.transparency_token, name="transparency-token"),
    path(
        "transparency/<symbol:symbol>/history.csv",
        views.history_csv,
        name="transparency-history-csv",
    ),
    path(
        "transparency/<symbol:symbol>/history.json",
        views.history_json,
        name="transparency-history-json",
    ),
    path("transparency/<symbol:symbol>/badge.svg", views.badge, name="transparency-badge"),
]
