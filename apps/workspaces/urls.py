from __future__ import annotations

from django.urls import path

from apps.workspaces import views

app_name = "workspaces"

urlpatterns = [
    path("", views.workspace_list, name="list"),
    path("new/", views.workspace_create, name="create"),
    path("<str:workspace_id>/", views.workspace_detail, name="detail"),
    path("<str:workspace_id>/budgets/", views.workspace_budgets, name="budgets"),
    path("<str:workspace_id>/members/add/", views.workspace_members_add, name="members_add"),
    path(
        "<str:workspace_id>/members/remove/", views.workspace_members_remove, name="members_remove"
    ),
    path("<str:workspace_id>/delete/", views.workspace_delete, name="delete"),
    path(
        "<str:workspace_id>/default-guardrail/",
        views.workspace_default_guardrail,
        name="default_guardrail",
    ),
]
