from __future__ import annotations

from django.urls import path

from apps.byok import views

app_name = "byok"

urlpatterns = [
    path("", views.byok_list, name="list"),
    path("new/", views.byok_create, name="create"),
    path("<str:byok_id>/", views.byok_detail, name="detail"),
    path("<str:byok_id>/rotate/", views.byok_rotate, name="rotate"),
    path("<str:byok_id>/move/", views.byok_move, name="move"),
    path("<str:byok_id>/toggle/", views.byok_toggle, name="toggle"),
    path("<str:byok_id>/order/", views.byok_order, name="order"),
    path("<str:byok_id>/delete/", views.byok_delete, name="delete"),
]
