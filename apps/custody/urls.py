from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("custody/statements/upload/", views.statement_upload, name="custody-statement-upload"),
]
