"""How the console writes a mirrored domain: upstream first (through the gateway), then the
mirror row and its audit entry in one transaction, so the mirror never shows a write upstream
refused and no write goes unrecorded.

An upstream refusal reaches the form with every typed secret cut out of it and, where upstream
names a body field, on that field. An update or a delete of a row upstream no longer has
drops the row: the list the person returns to is true.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.gateway.errors import BadRequest, NotFound, UpstreamError


def redacted(exc: UpstreamError, secrets: Iterable[str | None]) -> UpstreamError:
    """``exc`` with each secret (as typed, then trimmed) cut out of what upstream said."""
    for secret in secrets:
        for value in dict.fromkeys([secret, (secret or "").strip()]):
            if value:
                exc.upstream_message = exc.upstream_message.replace(value, "[redacted]")
                exc.message = exc.message.replace(value, "[redacted]")
    return exc


def named_field(exc: UpstreamError, fields: Iterable[str]) -> str | None:
    """The first of ``fields`` an upstream 400 names: its message starts with it, or has it
    as a word (``name must be …``, ``invalid slug …``)."""
    if not isinstance(exc, BadRequest):
        return None
    said = exc.upstream_message.lower()
    return next((f for f in fields if said.startswith(f) or f" {f} " in said), None)


def _as_is(exc: UpstreamError) -> UpstreamError:
    return exc


@dataclass(frozen=True)
class MirrorWrites:
    """The writes of one mirrored domain. ``store`` saves upstream's answer as the mirror row
    and returns it; ``snapshot`` is what an audit entry records about a row (no secret);
    ``explain`` puts a refusal on the field it names."""

    noun: str  # "guardrail": what the person reads in messages
    target: str  # the audit entry's target type
    target_id: Callable[[Any], str]
    label: Callable[[Any], str]
    store: Callable[[Any, Any], models.Model]
    snapshot: Callable[[Any], dict[str, Any]]
    explain: Callable[[UpstreamError], UpstreamError] = _as_is

    def audit(self, actor: Actor, action: str, row, *, before=None, after=None) -> None:
        audit_record(
            actor,
            action=action,
            target_type=self.target,
            target_id=self.target_id(row),
            target_label=self.label(row),
            before=before,
            after=after,
        )

    def call(self, operation: Callable[[], Any], *, secrets: Iterable[str | None] = ()):
        """Run one gateway call; a refusal comes out redacted and on its field."""
        try:
            return operation()
        except UpstreamError as exc:
            raise self.explain(redacted(exc, secrets)) from None

    def create(self, actor: Actor, action: str, operation, *, secrets=()):
        data = self.call(operation, secrets=secrets)
        with transaction.atomic():
            row = self.store(actor.organisation, data)
            self.audit(actor, action, row, after=self.snapshot(row))
        return row

    def update(self, actor: Actor, row, action: str, operation, *, secrets=()):
        before = self.snapshot(row)
        try:
            data = self.call(operation, secrets=secrets)
        except NotFound:
            row.delete()
            raise NotFound(
                f"This {self.noun} no longer exists upstream; the list has been updated."
            ) from None
        with transaction.atomic():
            row = self.store(actor.organisation, data)
            self.audit(actor, action, row, before=before, after=self.snapshot(row))
        return row

    def delete(self, actor: Actor, row, action: str, operation, *, forget=None) -> None:
        """Delete upstream (already gone counts as done), then the row; ``forget`` removes
        what hangs off the row in the same transaction."""
        before = self.snapshot(row)
        with contextlib.suppress(NotFound):  # already gone upstream: the mirror catches up
            self.call(operation)
        with transaction.atomic():
            self.audit(actor, action, row, before=before)
            if forget is not None:
                forget()
            row.delete()
