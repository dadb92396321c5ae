from __future__ import annotations

from django.urls import path

from apps.spend import views

app_name = "spend"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.export_csv, name="export"),
    path("credits/", views.credits, name="credits"),
    path("settings/", views.settings_update, name="settings"),
    path("budgets/", views.budgets, name="budgets"),
    path("alerts/", views.alerts, name="alerts"),
    path("statement/", views.statement, name="statement"),
    path("statement.csv", views.statement_csv, name="statement_csv"),
    path("members/", views.identities, name="identities"),
    path("members/<id:membership_id>/", views.identity_set, name="identity_set"),
]
