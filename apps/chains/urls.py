from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("status/", views.status, name="status"),
]
