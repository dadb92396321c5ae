"""Hooks for work that follows a sync without the stream knowing about it."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after every run that held the lock (succeeded or failed): ``organisation``,
# ``stream`` (its name) and ``run`` (the SyncRun). Spend checks its alerts on it, for example.
sync_finished = Signal()
