from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<str:symbol>/", views.token_detail, name="token-detail"),
]
