"""The upstream organisation's members (mounted at /organization/members/)."""

from __future__ import annotations

from django.urls import path

from apps.members import directory_views as views

app_name = "org_members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("<str:user_id>/", views.member_detail, name="detail"),
    path("<str:user_id>/invite/", views.member_invite, name="invite"),
]
