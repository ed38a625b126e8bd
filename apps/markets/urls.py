from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("tokens/<str:symbol>/live/", views.token_live, name="token-live-price"),
    path("tokens/<str:symbol>/chart/", views.token_chart, name="token-chart"),
    path("tokens/<str:symbol>/calculator/", views.token_calculator, name="token-calculator"),
]
