"""Hooks other apps listen to, so the keys sync stays the only poller of keys and workspaces."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the keys sync right after it lists the workspaces upstream:
# ``organisation`` and ``workspaces`` (the gateway's workspace objects: id, name, slug).
workspaces_listed = Signal()
