"""Reads for the home page and the Connection page: local tables only."""

from __future__ import annotations

from apps.accounts.models import ConnectionStatus, Organisation


def connection_status(organisation: Organisation) -> ConnectionStatus:
    status, _ = ConnectionStatus.objects.get_or_create(organisation=organisation)
    return status
