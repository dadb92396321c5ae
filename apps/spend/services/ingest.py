"""Turning upstream rows into local tables, one UTC day per transaction.

Each day is rewritten from absolute values (upsert raw rows, drop rows upstream no
longer reports, rebuild that day's facts and rollups), so replaying a sync changes
nothing and a sync cut short leaves whole days, never half a day.

Rows travel as plain tuples-with-names (``__slots__`` classes), not model instances:
building a Django model per row would cost more than writing it.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from operator import attrgetter

from django.db import transaction

from apps.accounts.models import Organisation
from apps.keys.models import Key
from apps.spend.models import DayDigest, KeyDay
from apps.spend.money import split, to_int, to_micros
from apps.spend.services import store
from apps.workspaces.models import Workspace

HASH_RE = re.compile(r"^[0-9a-f]{64}$")


class ActivityRow:
    """One ``/activity?group_by=workspace`` item."""

    __slots__ = (
        "byok_micros",
        "cached_tokens",
        "completion_tokens",
        "date",
        "endpoint_id",
        "model",
        "model_permaslug",
        "prompt_tokens",
        "provider",
        "reasoning_tokens",
        "requests",
        "usage_micros",
        "workspace_id",
    )
    KEY = ("model_permaslug", "endpoint_id", "workspace_id")
    VALUES = (
        "model",
        "provider",
        "requests",
        "usage_micros",
        "byok_micros",
        "prompt_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "cached_tokens",
    )

    def __init__(
        self,
        *,
        date,
        model_permaslug,
        endpoint_id,
        workspace_id,
        model,
        provider,
        requests,
        usage_micros,
        byok_micros,
        prompt_tokens,
        completion_tokens,
        reasoning_tokens,
        cached_tokens,
    ) -> None:
        self.date = date
        self.model_permaslug = model_permaslug
        self.endpoint_id = endpoint_id
        self.workspace_id = workspace_id
        self.model = model
        self.provider = provider
        self.requests = requests
        self.usage_micros = usage_micros
        self.byok_micros = byok_micros
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.reasoning_tokens = reasoning_tokens
        self.cached_tokens = cached_tokens


class KeyRow:
    """One key's spend on one model on one UTC day (from the analytics query)."""

    __slots__ = (
        "date",
        "key_hash",
        "model_permaslug",
        "requests",
        "usage_micros",
        "user_id",
        "workspace_id",
    )
    KEY = ("key_hash", "model_permaslug")
    VALUES = ("workspace_id", "user_id", "requests", "usage_micros")

    def __init__(
        self,
        date,
        key_hash,
        model_permaslug,
        workspace_id="",
        user_id="",
        requests=0,
        usage_micros=0,
    ):
        self.date = date
        self.key_hash = key_hash
        self.model_permaslug = model_permaslug
        self.workspace_id = workspace_id
        self.user_id = user_id
        self.requests = requests
        self.usage_micros = usage_micros


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector (reference counting still frees everything
    here); restores its previous state."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- parsing ----------------------------------------------------------------------------


def parse_day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def activity_rows_parse(rows: Iterable) -> list[ActivityRow]:
    """``/activity?group_by=workspace`` items (SDK objects or dicts) → rows."""
    parsed = []
    day_cache: dict = {}
    for row in rows:
        # Dicts (tests, recorded answers) or SDK objects: one lookup function per row.
        get = row.get if isinstance(row, dict) else partial(getattr, row)
        label = get("date_", None) or get("date", None)
        day = day_cache.get(label)
        if day is None:
            day = day_cache[label] = parse_day(label)
        model = get("model", None)
        parsed.append(
            ActivityRow(
                date=day,
                model_permaslug=str(get("model_permaslug", None) or model),
                endpoint_id=str(get("endpoint_id", None) or ""),
                workspace_id=str(get("workspace_id", None) or ""),
                model=str(model or ""),
                provider=str(get("provider_name", None) or ""),
                requests=to_int(get("requests", None)),
                usage_micros=to_micros(get("usage", None)),
                byok_micros=to_micros(get("byok_usage_inference", None)),
                prompt_tokens=to_int(get("prompt_tokens", None)),
                completion_tokens=to_int(get("completion_tokens", None)),
                reasoning_tokens=to_int(get("reasoning_tokens", None)),
                cached_tokens=to_int(get("cached_tokens", None)),
            )
        )
    return parsed


@dataclass
class Directory:
    """What the key sync knows: resolves analytics labels back to ids."""

    keys: dict[str, Key]
    keys_by_name: dict[str, list[Key]]
    workspaces_by_label: dict[str, str]
    models: dict[str, str]  # model id or permaslug → permaslug

    @classmethod
    def load(cls, organisation: Organisation, activity: list[ActivityRow]) -> Directory:
        keys = {k.hash: k for k in Key.objects.filter(organisation=organisation)}
        by_name: dict[str, list[Key]] = defaultdict(list)
        for key in keys.values():
            by_name[key.name].append(key)
        workspaces: dict[str, str] = {}
        for ws in Workspace.objects.filter(organisation=organisation):
            for label in (ws.workspace_id, ws.name, ws.slug):
                if label:
                    workspaces[label] = ws.workspace_id
        models: dict[str, str] = {}
        for row in activity:
            models.setdefault(row.model, row.model_permaslug)
            models[row.model_permaslug] = row.model_permaslug
        return cls(keys, dict(by_name), workspaces, models)

    def key(self, value: str) -> tuple[str, Key | None]:
        if HASH_RE.match(value):
            return value, self.keys.get(value)
        named = self.keys_by_name.get(value, [])
        if len(named) == 1:
            return named[0].hash, named[0]
        # Unknown to the key directory (deleted, or a label we cannot resolve): kept apart.
        return f"ref:{value}"[:64], None


DATE_FIELDS = ("date__day", "date", "date__hour", "date__week", "date__month")


def key_rows_parse(rows: Iterable[dict], directory: Directory) -> list[KeyRow]:
    """``/analytics/query`` rows (dimensions api_key_id, model; maybe user, workspace)."""
    merged: dict[tuple, KeyRow] = {}
    merged_get = merged.get
    key_cache: dict[str, tuple[str, Key | None]] = {}
    day_cache: dict = {}  # a window has few distinct date labels: parse each once
    models_get = directory.models.get
    for row in rows:
        get = row.get
        raw_key = get("api_key_id")
        if raw_key is None or raw_key == "":
            continue
        for name in DATE_FIELDS:
            label = get(name)
            if label:
                break
        else:
            continue
        day = day_cache.get(label)
        if day is None:
            day = day_cache[label] = parse_day(label)
        if type(raw_key) is not str:
            raw_key = str(raw_key)
        resolved = key_cache.get(raw_key)
        if resolved is None:
            resolved = key_cache[raw_key] = directory.key(raw_key)
        key_hash, key = resolved
        raw_model = get("model")
        raw_model = str(raw_model) if raw_model else ""
        model = models_get(raw_model, raw_model)
        slot = (day, key_hash, model)
        item = merged_get(slot)
        if item is None:
            user = str(get("user") or "")
            if key is not None and key.creator_user_id:
                user = key.creator_user_id
            elif not user.startswith("user_"):
                user = ""
            workspace = key.workspace_id if key is not None else ""
            if not workspace and get("workspace"):
                workspace = directory.workspaces_by_label.get(str(row["workspace"]), "")
            item = merged[slot] = KeyRow(day, key_hash, model, workspace, user)
        item.requests += to_int(get("request_count"))
        item.usage_micros += to_micros(get("total_usage"))
    return list(merged.values())


# --- facts ------------------------------------------------------------------------------


def facts_build(activity: list[ActivityRow], key_rows: list[KeyRow]) -> list[tuple]:
    """Split each activity row across the keys that spent on that model in that workspace.

    Totals come from ``/activity``; keys only give shares, so every breakdown of the
    facts sums to the activity total exactly. Returns tuples in ``store.FACT_COLUMNS`` order.
    """
    by_slot: dict[tuple, list[KeyRow]] = defaultdict(list)
    for kr in key_rows:
        by_slot[(kr.date, kr.model_permaslug, kr.workspace_id)].append(kr)
    facts: list[tuple] = []
    append = facts.append
    for row in activity:
        day, ws, slug, provider = row.date, row.workspace_id, row.model_permaslug, row.provider
        keys = by_slot.get((day, slug, ws)) or by_slot.get((day, slug, ""))
        tokens = row.prompt_tokens + row.completion_tokens
        if not keys:
            append(
                (
                    day,
                    ws,
                    slug,
                    provider,
                    "",
                    "",
                    row.requests,
                    row.usage_micros,
                    row.byok_micros,
                    tokens,
                )
            )
            continue
        if len(keys) == 1:
            kr = keys[0]
            append(
                (
                    day,
                    ws,
                    slug,
                    provider,
                    kr.key_hash,
                    kr.user_id,
                    row.requests,
                    row.usage_micros,
                    row.byok_micros,
                    tokens,
                )
            )
            continue
        weights = [kr.usage_micros for kr in keys]
        if sum(weights) <= 0:
            weights = [kr.requests for kr in keys]
        parts = zip(
            keys,
            split(row.usage_micros, weights),
            split(row.byok_micros, weights),
            split(row.requests, weights),
            split(tokens, weights),
            strict=True,
        )
        for kr, usage, byok, requests, tok in parts:
            if usage or byok or requests or tok:
                append(
                    (day, ws, slug, provider, kr.key_hash, kr.user_id, requests, usage, byok, tok)
                )
    return facts


# --- writing ------------------------------------------------------------------------------

# Days written per transaction: big enough to amortise each statement, small enough that a
# killed worker loses little; the next run rewrites everything anyway.
CHUNK_DAYS = 10


def _digests(days: list[date], activity: list[ActivityRow], key_rows: list[KeyRow]) -> dict:
    rows: dict[date, list[tuple]] = {day: [] for day in days}
    get = attrgetter(*ActivityRow.KEY, *ActivityRow.VALUES)
    for r in activity:
        rows[r.date].append(("a", *get(r)))
    get = attrgetter(*KeyRow.KEY, *KeyRow.VALUES)
    for r in key_rows:
        rows[r.date].append(("k", *get(r)))
    return {
        day: hashlib.sha256(repr(sorted(values)).encode()).hexdigest()
        for day, values in rows.items()
    }


def days_write(
    organisation: Organisation,
    days: list[date],
    activity: list[ActivityRow],
    key_rows: list[KeyRow],
    *,
    keys_fresh: bool = True,
) -> int:
    """Rewrite these UTC days from upstream's absolute values, in one transaction.

    Days whose upstream rows match the fingerprint they were last written from are
    skipped: their tables would come out identical. Returns the rows processed.
    """
    processed = len(activity) + (len(key_rows) if keys_fresh else 0)
    digests = _digests(days, activity, key_rows)
    stored = dict(
        DayDigest.objects.filter(organisation=organisation, date__in=days).values_list(
            "date", "digest"
        )
    )
    changed = [day for day in days if stored.get(day) != digests[day]]
    if not changed:
        return processed
    if len(changed) < len(days):
        keep = set(changed)
        activity = [r for r in activity if r.date in keep]
        key_rows = [r for r in key_rows if r.date in keep]
    facts = facts_build(activity, key_rows)
    with transaction.atomic():
        store.relax_durability()
        store.raw_replace(organisation.pk, changed, "activity", activity)
        if keys_fresh:
            store.raw_replace(organisation.pk, changed, "keys", key_rows)
        store.facts_replace(organisation.pk, changed, facts)
        store.rollups_rebuild(organisation.pk, changed)
        store.months_rebuild(organisation.pk, changed)
        DayDigest.objects.bulk_create(
            [DayDigest(organisation=organisation, date=d, digest=digests[d]) for d in changed],
            update_conflicts=True,
            unique_fields=["organisation", "date"],
            update_fields=["digest"],
        )
    return processed


def window_write(
    organisation: Organisation,
    days: list[date],
    activity: list[ActivityRow],
    key_rows: list[KeyRow],
    *,
    after_day=None,
    keys_fresh: bool = True,
) -> int:
    """Write every day of the window, oldest first, ``CHUNK_DAYS`` per transaction."""
    by_day_activity: dict[date, list[ActivityRow]] = defaultdict(list)
    by_day_keys: dict[date, list[KeyRow]] = defaultdict(list)
    for row in activity:
        by_day_activity[row.date].append(row)
    for row in key_rows:
        by_day_keys[row.date].append(row)
    ordered = sorted(days)
    written = 0
    for i in range(0, len(ordered), CHUNK_DAYS):
        chunk = ordered[i : i + CHUNK_DAYS]
        written += days_write(
            organisation,
            chunk,
            [r for day in chunk for r in by_day_activity[day]],
            [r for day in chunk for r in by_day_keys[day]],
            keys_fresh=keys_fresh,
        )
        if after_day is not None:
            for day in chunk:
                after_day(day)
    return written


def stored_key_rows(organisation: Organisation, days: list[date]) -> list[KeyRow]:
    """The key shares last synced for these days (used when the breakdown is unavailable)."""
    fields = (
        "date",
        "key_hash",
        "model_permaslug",
        "workspace_id",
        "user_id",
        "requests",
        "usage_micros",
    )
    return [
        KeyRow(*values)
        for values in KeyDay.objects.filter(organisation=organisation, date__in=days).values_list(
            *fields
        )
    ]
