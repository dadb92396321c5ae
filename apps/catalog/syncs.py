"""The catalog stream, registered with the one sync framework."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.catalog.selectors import STREAM
from apps.catalog.services import catalog_sync_run
from apps.syncs.registry import Stream, register


def register_streams() -> None:
    register(
        Stream(
            STREAM,
            "Model catalog",
            interval=timedelta(days=1),
            run=catalog_sync_run,
            view_perm=Perm.VIEW_CATALOG,
            description="Models of every modality, their endpoints per provider, and providers.",
        )
    )
