from __future__ import annotations

from django.urls import path

from apps.syncs import views

app_name = "syncs"

urlpatterns = [
    path("", views.health, name="health"),
    path("<slug:stream>/", views.sync_status, name="status"),
    path("<slug:stream>/now/", views.sync_now, name="now"),
]
