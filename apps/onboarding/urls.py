from __future__ import annotations

from django.urls import path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("eligibility/", views.eligibility, name="eligibility"),
    path("documents/", views.upload_document, name="upload"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("submit/", views.submit, name="submit"),
    path("wallets/", views.wallet_list, name="wallets"),
    path("wallets/<int:pk>/verify/", views.wallet_verify, name="wallet-verify"),
]
