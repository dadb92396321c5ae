"""The catalog mirror for tests of any app (pickers need it): ``catalog`` runs the real
catalog stream once per test, but upstream's answers are fetched from the sandbox once per
test run and replayed afterwards (the sandbox catalog is fixed), so a test pays for the
mirror writes only, not for 49 upstream calls.
"""

from __future__ import annotations

import pytest

from apps.gateway import catalog as gateway_catalog
from apps.syncs.runner import sync_run

_CALLS = (
    "providers_list",
    "image_models",
    "video_models",
    "zdr_endpoints",
    "model_endpoints",
    "models_pages",
    "embedding_models_pages",
)
_REPLAY: dict[tuple, object] = {}


def _recording(name: str, real):
    def call(organisation, *args, **kwargs):
        key = (name, args, tuple(sorted(kwargs.items())))
        if key not in _REPLAY:
            result = real(organisation, *args, **kwargs)
            _REPLAY[key] = list(result) if name.endswith("_pages") else result
        result = _REPLAY[key]
        return iter(result) if name.endswith("_pages") else result

    return call


@pytest.fixture
def replayed_catalog_upstream(monkeypatch):
    """Catalog gateway calls answered from the session's recording (made on first use)."""
    for name in _CALLS:
        real = getattr(gateway_catalog, name)
        monkeypatch.setattr(gateway_catalog, name, _recording(name, real))


@pytest.fixture
def catalog(organisation, replayed_catalog_upstream):
    """The organisation with its catalog mirrored by one (replayed) pass of the stream."""
    outcome = sync_run(organisation, "catalog")
    assert outcome.run.ok, outcome.run.error
    return outcome.run
