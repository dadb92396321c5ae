"""The parts of django-allauth the console uses, under ``/accounts/``, by allauth's own names.

Only these: the two-factor pages, reauthentication, the SSO (OpenID Connect) login and
callback and their error pages. allauth's sign-up and email-management pages are left out
(people join by invitation or SSO; the account address is fixed). ``account_login`` and
``account_logout`` name the console's own views (``accounts:login``/``accounts:logout``
match first at the same paths), because allauth redirects to those names.
"""

from __future__ import annotations

from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.accounts import views

urlpatterns = [
    path("login/", views.login_view, name="account_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("2fa/", include("allauth.mfa.urls")),
    path("sso/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("sso/error/", social_views.login_error, name="socialaccount_login_error"),
    path("sso/signup/", social_views.signup, name="socialaccount_signup"),
    # oidc/<provider_id>/login/ and oidc/<provider_id>/login/callback/
    path("", include("allauth.socialaccount.providers.openid_connect.urls")),
]
