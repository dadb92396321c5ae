from __future__ import annotations

from django.urls import path

from apps.members import views

app_name = "members"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("connect/", views.connect_start, name="connect"),
    path("connect/callback/", views.connect_callback, name="connect_callback"),
]
