"""The sign-in throttle: django-axes refuses a locked-out account or address first."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class SignInThrottleBackend(AxesStandaloneBackend):
    """Axes' check, for sign-ins that come with a request.

    Code that authenticates without one (Django's test client ``login()``, a shell) is not
    a sign-in from an address, so there is nothing to count or refuse: the next backend
    decides. Every web sign-in (allauth's forms, Django's views) passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
