"""Calls on the public catalog: models (every modality), their endpoints, providers, ZDR.

These routes need no key upstream, but the organisation's own base URL and key are used so
that an organisation pointed at another upstream gets that upstream's catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from apps.gateway.core import call, credentials_for
from apps.gateway.paging import offset_pages

if TYPE_CHECKING:
    from apps.accounts.models import Organisation

# GET /models and /embeddings/models take up to 1000 per page; 500 is the SDK's default.
MODELS_PAGE_SIZE = 500


def models_pages(
    organisation: Organisation, *, start: int = 0, page_size: int = MODELS_PAGE_SIZE
) -> Iterator[list[Any]]:
    """Every model of every modality (``output_modalities=all``), page by page (SDK ``Model``)."""
    return offset_pages(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.models.list(offset=o, limit=n, output_modalities="all"),
        page_size=page_size,
        start=start,
    )


def embedding_models_pages(
    organisation: Organisation, *, page_size: int = MODELS_PAGE_SIZE
) -> Iterator[list[Any]]:
    """The embeddings models list (SDK ``Model``), page by page."""
    return offset_pages(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.embeddings.list_models(offset=o, limit=n),
        page_size=page_size,
    )


def image_models(organisation: Organisation) -> list[Any]:
    """Image generation models (SDK ``ImageModelListItem``)."""
    return list(call(credentials_for(organisation), lambda sdk: sdk.images.list_models()).data)


def video_models(organisation: Organisation) -> list[Any]:
    """Video generation models (SDK ``VideoModel``)."""
    return list(
        call(
            credentials_for(organisation), lambda sdk: sdk.video_generation.list_videos_models()
        ).data
    )


def model_endpoints(organisation: Organisation, model_id: str) -> Any:
    """One model's endpoints per provider (SDK ``ListEndpointsResponse``: ``.endpoints``)."""
    author, _, slug = model_id.partition("/")
    return call(
        credentials_for(organisation), lambda sdk: sdk.endpoints.list(author=author, slug=slug)
    ).data


def zdr_endpoints(organisation: Organisation) -> list[Any]:
    """Every endpoint that retains no data (SDK ``PublicEndpoint``)."""
    return list(
        call(credentials_for(organisation), lambda sdk: sdk.endpoints.list_zdr_endpoints()).data
    )


def providers_list(organisation: Organisation) -> list[Any]:
    """Every provider (SDK ``ListProvidersData``: name, slug, policy URLs, headquarters)."""
    return list(call(credentials_for(organisation), lambda sdk: sdk.providers.list()).data)
