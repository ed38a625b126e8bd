from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("tokens/<symbol:symbol>/live/", views.token_live, name="token-live-price"),
    path("tokens/<symbol:symbol>/chart/", views.token_chart, name="token-chart"),
    path("tokens/<symbol:symbol>/calculator/", views.token_calculator, name="token-calculator"),
]
