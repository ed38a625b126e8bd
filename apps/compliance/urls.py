from __future__ import annotations

from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("allowlist.csv", views.allowlist_csv, name="allowlist-csv"),
    path("allowlist.json", views.allowlist_json, name="allowlist-json"),
]
