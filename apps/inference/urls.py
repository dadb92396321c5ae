from __future__ import annotations

from django.urls import path

from apps.inference import views

app_name = "inference"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("key/", views.key_create, name="key_create"),
    path("key/<id:key_id>/rotate/", views.key_rotate, name="key_rotate"),
    path("session/", views.session_set, name="session_set"),
    path("session/forget/", views.session_clear, name="session_clear"),
    path("settings/", views.settings_page, name="settings"),
]
