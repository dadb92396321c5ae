from __future__ import annotations

from django.urls import path

from apps.guardrails import views

app_name = "guardrails"

urlpatterns = [
    path("", views.guardrail_list, name="list"),
    path("new/", views.guardrail_create, name="create"),
    path("assignments/", views.guardrail_assignments, name="assignments"),
    path("policy/key/<str:key_hash>/", views.key_policy, name="key_policy"),
    path("<str:guardrail_id>/", views.guardrail_detail, name="detail"),
    path("<str:guardrail_id>/settings/", views.guardrail_settings, name="settings"),
    path("<str:guardrail_id>/assign/<str:kind>/", views.guardrail_assign, name="assign"),
    path("<str:guardrail_id>/holders/<str:kind>/", views.guardrail_holders, name="holders"),
    path("<str:guardrail_id>/unassign/<str:kind>/", views.guardrail_unassign, name="unassign"),
    path("<str:guardrail_id>/delete/", views.guardrail_delete, name="delete"),
]
