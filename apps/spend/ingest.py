"""Turning upstream rows into local tables, one UTC day per transaction.

Each day is rewritten from absolute values (upsert raw rows, drop rows upstream no
longer reports, rebuild that day's facts and rollups), so replaying a sync changes
nothing and a sync cut short leaves whole days, never half a day.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from apps.accounts.models import Organisation
from apps.spend.models import (
    ActivityDay,
    Dim,
    KeyDay,
    SpendFact,
    SpendKey,
    SpendRollup,
    SpendWorkspace,
)
from apps.spend.money import split, to_int, to_micros

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
ACTIVITY_FIELDS = [
    "model",
    "provider",
    "requests",
    "usage_micros",
    "byok_micros",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
]
KEYDAY_FIELDS = ["workspace_id", "user_id", "requests", "usage_micros"]


# --- parsing ----------------------------------------------------------------------------


def _get(row, name, default=None):
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


def parse_day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def activity_rows_parse(rows: Iterable) -> list[ActivityDay]:
    """``/activity?group_by=workspace`` items (SDK objects or dicts) → unsaved rows."""
    parsed = []
    for row in rows:
        parsed.append(
            ActivityDay(
                date=parse_day(_get(row, "date_") or _get(row, "date")),
                model_permaslug=str(_get(row, "model_permaslug") or _get(row, "model")),
                endpoint_id=str(_get(row, "endpoint_id") or ""),
                workspace_id=str(_get(row, "workspace_id") or ""),
                model=str(_get(row, "model") or ""),
                provider=str(_get(row, "provider_name") or ""),
                requests=to_int(_get(row, "requests")),
                usage_micros=to_micros(_get(row, "usage")),
                byok_micros=to_micros(_get(row, "byok_usage_inference")),
                prompt_tokens=to_int(_get(row, "prompt_tokens")),
                completion_tokens=to_int(_get(row, "completion_tokens")),
                reasoning_tokens=to_int(_get(row, "reasoning_tokens")),
                cached_tokens=to_int(_get(row, "cached_tokens")),
            )
        )
    return parsed


@dataclass
class Directory:
    """What the key sync knows: resolves analytics labels back to ids."""

    keys: dict[str, SpendKey]
    keys_by_name: dict[str, list[SpendKey]]
    workspaces_by_label: dict[str, str]
    models: dict[str, str]  # model id or permaslug → permaslug

    @classmethod
    def load(cls, organisation: Organisation, activity: list[ActivityDay]) -> Directory:
        keys = {k.key_hash: k for k in SpendKey.objects.filter(organisation=organisation)}
        by_name: dict[str, list[SpendKey]] = defaultdict(list)
        for key in keys.values():
            by_name[key.name].append(key)
        workspaces: dict[str, str] = {}
        for ws in SpendWorkspace.objects.filter(organisation=organisation):
            for label in (ws.workspace_id, ws.name, ws.slug):
                if label:
                    workspaces[label] = ws.workspace_id
        models: dict[str, str] = {}
        for row in activity:
            models.setdefault(row.model, row.model_permaslug)
            models[row.model_permaslug] = row.model_permaslug
        return cls(keys, dict(by_name), workspaces, models)

    def key(self, value: str) -> tuple[str, SpendKey | None]:
        if HASH_RE.match(value):
            return value, self.keys.get(value)
        named = self.keys_by_name.get(value, [])
        if len(named) == 1:
            return named[0].key_hash, named[0]
        # Unknown to the key directory (deleted, or a label we cannot resolve): kept apart.
        return f"ref:{value}"[:64], None


def date_bucket(row: dict):
    for name in ("date__day", "date", "date__hour", "date__week", "date__month"):
        if row.get(name):
            return parse_day(row[name])
    return None


def key_rows_parse(rows: Iterable[dict], directory: Directory) -> list[KeyDay]:
    """``/analytics/query`` rows (dimensions api_key_id, model; maybe user, workspace)."""
    merged: dict[tuple, KeyDay] = {}
    for row in rows:
        day = date_bucket(row)
        raw_key = row.get("api_key_id")
        if day is None or raw_key in (None, ""):
            continue
        key_hash, key = directory.key(str(raw_key))
        raw_model = str(row.get("model") or "")
        model = directory.models.get(raw_model, raw_model)
        user = str(row.get("user") or "")
        if key is not None and key.creator_user_id:
            user = key.creator_user_id
        elif not user.startswith("user_"):
            user = ""
        workspace = key.workspace_id if key is not None else ""
        if not workspace and row.get("workspace"):
            workspace = directory.workspaces_by_label.get(str(row["workspace"]), "")
        slot = (day, key_hash, model)
        item = merged.get(slot)
        if item is None:
            item = merged[slot] = KeyDay(
                date=day, key_hash=key_hash, model_permaslug=model, workspace_id=workspace,
                user_id=user,
            )  # fmt: skip
        item.requests += to_int(row.get("request_count"))
        item.usage_micros += to_micros(row.get("total_usage"))
    return list(merged.values())


# --- facts ------------------------------------------------------------------------------


def facts_build(activity: list[ActivityDay], key_days: list[KeyDay]) -> list[SpendFact]:
    """Split each activity row across the keys that spent on that model in that workspace.

    Totals come from ``/activity``; keys only give shares, so every breakdown of the
    facts sums to the activity total exactly.
    """
    by_slot: dict[tuple[str, str], list[KeyDay]] = defaultdict(list)
    for kd in key_days:
        by_slot[(kd.model_permaslug, kd.workspace_id)].append(kd)
    facts: list[SpendFact] = []
    for row in activity:
        keys = by_slot.get((row.model_permaslug, row.workspace_id)) or by_slot.get(
            (row.model_permaslug, "")
        )
        tokens = row.prompt_tokens + row.completion_tokens
        if not keys:
            facts.append(
                SpendFact(
                    date=row.date, workspace_id=row.workspace_id, model=row.model_permaslug,
                    provider=row.provider, requests=row.requests, usage_micros=row.usage_micros,
                    byok_micros=row.byok_micros, tokens=tokens,
                )
            )  # fmt: skip
            continue
        weights = [kd.usage_micros for kd in keys]
        if sum(weights) <= 0:
            weights = [kd.requests for kd in keys]
        parts = zip(
            keys,
            split(row.usage_micros, weights),
            split(row.byok_micros, weights),
            split(row.requests, weights),
            split(tokens, weights),
            strict=True,
        )
        for kd, usage, byok, requests, tok in parts:
            if usage or byok or requests or tok:
                facts.append(
                    SpendFact(
                        date=row.date, workspace_id=row.workspace_id, model=row.model_permaslug,
                        provider=row.provider, key_hash=kd.key_hash, user_id=kd.user_id,
                        requests=requests, usage_micros=usage, byok_micros=byok, tokens=tok,
                    )
                )  # fmt: skip
    return facts


_DIM_FIELDS = {
    Dim.MODEL: "model",
    Dim.PROVIDER: "provider",
    Dim.WORKSPACE: "workspace_id",
    Dim.KEY: "key_hash",
    Dim.MEMBER: "user_id",
}


def rollups_build(facts: list[SpendFact]) -> list[SpendRollup]:
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for fact in facts:
        values = (fact.requests, fact.usage_micros, fact.byok_micros, fact.tokens)
        for scope in ("", fact.workspace_id or "-"):
            slots = [(scope, Dim.ALL, "")]
            slots += [(scope, dim, getattr(fact, field)) for dim, field in _DIM_FIELDS.items()]
            for slot in slots:
                acc = sums[slot]
                for i, v in enumerate(values):
                    acc[i] += v
    day = facts[0].date if facts else None
    return [
        SpendRollup(
            date=day,
            scope=scope,
            dim=dim,
            value=value,
            requests=v[0],
            usage_micros=v[1],
            byok_micros=v[2],
            tokens=v[3],
        )
        for (scope, dim, value), v in sums.items()
    ]


# --- writing ------------------------------------------------------------------------------


def _upsert(model, organisation, day, rows, key_fields, update_fields) -> None:
    """Write absolute values for one day; drop rows upstream no longer reports."""
    existing = {
        tuple(values[1:]): values[0]
        for values in model.objects.filter(organisation=organisation, date=day).values_list(
            "pk", *key_fields
        )
    }
    fresh = {tuple(getattr(r, f) for f in key_fields) for r in rows}
    stale = [pk for slot, pk in existing.items() if slot not in fresh]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    for row in rows:
        row.organisation = organisation
    model.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["organisation", "date", *key_fields],
        update_fields=update_fields,
    )


def day_write(
    organisation: Organisation,
    day: date,
    activity: list[ActivityDay],
    key_days: list[KeyDay],
    *,
    keys_fresh: bool = True,
) -> int:
    """Rewrite one UTC day from upstream's absolute values; returns rows written."""
    facts = facts_build(activity, key_days)
    rollups = rollups_build(facts)
    with transaction.atomic():
        _upsert(
            ActivityDay, organisation, day, activity,
            ["model_permaslug", "endpoint_id", "workspace_id"], ACTIVITY_FIELDS,
        )  # fmt: skip
        if keys_fresh:
            _upsert(
                KeyDay, organisation, day, key_days, ["key_hash", "model_permaslug"], KEYDAY_FIELDS
            )
        SpendFact.objects.filter(organisation=organisation, date=day).delete()
        SpendRollup.objects.filter(organisation=organisation, date=day).delete()
        for row in (*facts, *rollups):
            row.organisation = organisation
            row.date = day
        SpendFact.objects.bulk_create(facts, batch_size=2000)
        SpendRollup.objects.bulk_create(rollups, batch_size=2000)
    return len(activity) + (len(key_days) if keys_fresh else 0)


def window_write(
    organisation: Organisation,
    days: list[date],
    activity: list[ActivityDay],
    key_days: list[KeyDay],
    *,
    after_day=None,
    keys_fresh: bool = True,
) -> int:
    """Write every day of the upstream window, oldest first, each in its own transaction."""
    by_day_activity: dict[date, list[ActivityDay]] = defaultdict(list)
    by_day_keys: dict[date, list[KeyDay]] = defaultdict(list)
    for row in activity:
        by_day_activity[row.date].append(row)
    for row in key_days:
        by_day_keys[row.date].append(row)
    written = 0
    for day in sorted(days):
        written += day_write(
            organisation, day, by_day_activity[day], by_day_keys[day], keys_fresh=keys_fresh
        )
        if after_day is not None:
            after_day(day)
    return written
