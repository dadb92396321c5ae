from __future__ import annotations

from django.urls import path

from apps.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("cards/credits/", views.credits_card, name="credits_card"),
    path("connection/", views.connection, name="connection"),
    path("connection/details/", views.connection_details, name="connection_details"),
    path("connection/test/", views.connection_test, name="connection_test"),
]
