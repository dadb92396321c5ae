"""Writing audit entries; every service that mutates something calls ``audit_record``."""

from __future__ import annotations

import re
from typing import Any

from apps.audit.context import Actor
from apps.audit.models import AuditEntry

REDACTED = "[redacted]"
# Field names whose values are secrets, wherever they appear in a before/after dict.
_SECRET_NAME = re.compile(
    r"(^|_)(key|secret|token|password|api_key|management_key|secret_key|private_key|dsn|"
    r"license_key|licensekey|apikey|secretkey|credential|credentials)$",
    re.IGNORECASE,
)
# Values that look like OpenRouter secrets, even under an innocent name.
_SECRET_VALUE = re.compile(r"sk-or-[a-z0-9]+-[A-Za-z0-9]{16,}")


def redact(value: Any, name: str = "") -> Any:
    """A copy of ``value`` with anything secret replaced by ``[redacted]``."""
    if name and _SECRET_NAME.search(name) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, dict):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str) and _SECRET_VALUE.search(value):
        return _SECRET_VALUE.sub(REDACTED, value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return str(value) if not isinstance(value, str) else value


def audit_record(
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: str = "",
    target_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        organisation=actor.organisation,
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:128],
        target_label=str(target_label)[:200],
        before=redact(before) if before is not None else None,
        after=redact(after) if after is not None else None,
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
    )


OUTSIDE = "outside the console"


def audit_outside_changes(
    organisation,
    *,
    target_type: str,
    before: dict[str, tuple[str, dict]],
    after: dict[str, tuple[str, dict]],
) -> int:
    """Record what a sync found changed upstream by someone else (OpenRouter's dashboard, the
    API): ``before``/``after`` map an id to ``(label, snapshot)`` of the mirror before and
    after the sync. Only what differs is recorded, as ``<target_type>.outside_*``."""
    actor = Actor.system(organisation, OUTSIDE)
    entries = 0
    for ref in before.keys() | after.keys():
        old, new = before.get(ref), after.get(ref)
        if old is not None and new is not None and old[1] == new[1]:
            continue
        if old is None:
            action, label, was, now = "outside_create", new[0], None, new[1]
        elif new is None:
            action, label, was, now = "outside_delete", old[0], old[1], None
        else:
            changed = {k for k in old[1].keys() | new[1].keys() if old[1].get(k) != new[1].get(k)}
            action, label = "outside_update", new[0]
            was = {k: old[1].get(k) for k in sorted(changed)}
            now = {k: new[1].get(k) for k in sorted(changed)}
        audit_record(
            actor,
            action=f"{target_type}.{action}",
            target_type=target_type,
            target_id=ref,
            target_label=label,
            before=was,
            after=now,
        )
        entries += 1
    return entries
