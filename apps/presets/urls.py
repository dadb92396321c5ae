from __future__ import annotations

from django.urls import path

from apps.presets import views

app_name = "presets"

urlpatterns = [
    path("", views.preset_list, name="list"),
    path("new/", views.preset_create, name="create"),
    path("<slug:slug>/", views.preset_detail, name="detail"),
    path("<slug:slug>/edit/", views.preset_edit, name="edit"),
    path("<slug:slug>/compare/", views.preset_compare, name="compare"),
    path("<slug:slug>/play/", views.preset_play, name="play"),
]
