from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<symbol:symbol>/", views.token_detail, name="token-detail"),
    path("compare/", views.compare, name="compare"),
]
