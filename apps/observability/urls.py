from __future__ import annotations

from django.urls import path

from apps.observability import views

app_name = "observability"

urlpatterns = [
    path("", views.destination_list, name="list"),
    path("new/", views.destination_create, name="create"),
    path("<str:destination_id>/", views.destination_detail, name="detail"),
    path("<str:destination_id>/toggle/", views.destination_toggle, name="toggle"),
    path("<str:destination_id>/delete/", views.destination_delete, name="delete"),
]
