"""The sandbox's browser page ``/auth`` (beside ``/api/v1``, as upstream has it)."""

from __future__ import annotations

from django.urls import path

from apps.sandbox.views import auth_page

urlpatterns = [path("auth", auth_page.authorize, name="sandbox-auth")]
