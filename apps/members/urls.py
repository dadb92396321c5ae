from __future__ import annotations

from django.urls import path

from apps.members import views

app_name = "members"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("connect/", views.connect_start, name="connect"),
    path("connect/callback/", views.connect_callback, name="connect_callback"),
    path("codes/new/", views.code_issue, name="code_issue"),
    path("codes/<id:code_id>/claim/", views.code_claim, name="code_claim"),
]
