"""The sandbox's browser page ``/auth`` (beside ``/api/v1``, as upstream has it)."""

from __future__ import annotations

from django.urls import path

from apps.sandbox.views import auth_page

app_name = "sandbox_auth"

urlpatterns = [path("auth", auth_page.authorize, name="authorize")]
