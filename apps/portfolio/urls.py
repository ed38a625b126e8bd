from __future__ import annotations

from django.urls import path

from . import views

app_name = "portfolio"

urlpatterns = [
    path("", views.holdings, name="holdings"),
    path("holdings.csv", views.holdings_csv, name="holdings-csv"),
]
