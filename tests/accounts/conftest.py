from __future__ import annotations

from tests.oidc.fixtures import oidc_provider, sso  # noqa: F401  (fixtures)
