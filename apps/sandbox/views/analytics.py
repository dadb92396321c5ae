"""``GET /analytics/meta`` and ``POST /analytics/query``, computed from the activity ledger.

Supported **metrics** (counts are returned as strings, like upstream; USD and rates as
numbers):

=====================  ===========  =====================================================
name                   format       value
=====================  ===========  =====================================================
request_count          number       Σ requests (string)
total_usage            currency     Σ credit spend, USD (= ``usage`` of ``/activity``)
byok_usage             currency     Σ BYOK spend, USD (= ``byok_usage_inference``)
tokens_prompt          number       Σ prompt tokens (string)
tokens_completion      number       Σ completion tokens (string)
tokens_reasoning       number       Σ reasoning tokens (string)
tokens_cached          number       Σ cached prompt tokens (string)
tokens_total           number       Σ prompt + completion tokens (string)
cache_hit_rate         percent      tokens_cached / tokens_prompt, 0-1 (rate)
avg_cost_per_request   currency     total_usage / request_count (rate)
=====================  ===========  =====================================================

Supported **dimensions** (≤ 2 per query). Rows show labels, filters take ids, as upstream:

* ``model`` — row: model slug (``openai/gpt-4.1``); filter: slug or permaslug.
* ``provider`` — row: provider display name (``OpenAI``); filter: that name or its slug.
* ``api_key_id`` — row: key name (null for unattributed spend); filter: 64-hex key hash or
  numeric key id (unresolvable values add a ``warnings`` entry and match nothing).
* ``user`` — row: member's full name (email if unnamed); filter: ``user_…`` id.
* ``user_email`` — row: member email; filter: email.
* ``workspace`` — row: workspace name; filter: workspace UUID (or slug).

**Granularity** ``minute|hour|day|week|month`` adds the key ``date__<granularity>``
(``YYYY-MM-DDT00:00:00.000Z``; weeks start Monday, months on the 1st). The ledger is daily,
so ``hour``/``minute`` buckets sit at each day's midnight.

**Filters** (≤ 20, ANDed): ``eq neq gt gte lt lte`` take a scalar, ``in not_in`` an array;
rows whose dimension is unset only match ``in``/``not_in`` with ``include_unset: true``.

**time_range** ``{start, end}`` needs seconds; a day counts when it overlaps
``[start, end)``; default: the last 7 days. ``order_by.field``: a requested metric,
``request_count``, a requested dimension, ``date`` or ``date__<granularity>``; default:
newest bucket first (with granularity) else the first metric descending. ``limit`` 1-10000
(default 1000; ``metadata.truncated`` says rows were cut); ``group_limit`` keeps at most N
rows per dimension combination (ignored without dimensions). Unknown metric, dimension,
granularity or operator → 400 naming it.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Q, Sum

from apps.sandbox.catalog import PROVIDERS
from apps.sandbox.http import ApiError, Caller, endpoint, json_body, ok
from apps.sandbox.models import ActivityRecord, ApiKey, Workspace

METRICS: dict[str, tuple[str, str, bool]] = {
    # name: (display label, display format, is_rate)
    "request_count": ("Request Count", "number", False),
    "total_usage": ("Spend", "currency", False),
    "byok_usage": ("BYOK Spend", "currency", False),
    "tokens_prompt": ("Prompt Tokens", "number", False),
    "tokens_completion": ("Completion Tokens", "number", False),
    "tokens_reasoning": ("Reasoning Tokens", "number", False),
    "tokens_cached": ("Cached Tokens", "number", False),
    "tokens_total": ("Total Tokens", "number", False),
    "cache_hit_rate": ("Cache Hit Rate", "percent", True),
    "avg_cost_per_request": ("Average Cost per Request", "currency", True),
}
DIMENSIONS: dict[str, tuple[str, str]] = {
    # name: (display label, ledger column)
    "model": ("Model", "model"),
    "provider": ("Provider", "provider_name"),
    "api_key_id": ("API Key", "key_hash"),
    "user": ("User", "user_id"),
    "user_email": ("User Email", "user_id"),
    "workspace": ("Workspace", "workspace_id"),
}
GRANULARITIES = {"minute": "Minute", "hour": "Hour", "day": "Day", "week": "Week", "month": "Month"}
OPERATORS = {
    "eq": "scalar",
    "neq": "scalar",
    "in": "array",
    "not_in": "array",
    "gt": "scalar",
    "gte": "scalar",
    "lt": "scalar",
    "lte": "scalar",
}
_SUMS = {
    "requests": "requests",
    "usage": "usage",
    "byok": "byok_usage_inference",
    "prompt": "prompt_tokens",
    "completion": "completion_tokens",
    "reasoning": "reasoning_tokens",
    "cached": "cached_tokens",
}
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
MAX_ROWS = 10_000
DEFAULT_LIMIT = 1000
DEFAULT_DAYS = 7


@endpoint(auth="management")
def meta(request, caller: Caller):
    return ok(
        {
            "metrics": [
                {"name": name, "display_label": label, "display_format": fmt, "is_rate": rate}
                for name, (label, fmt, rate) in METRICS.items()
            ],
            "dimensions": [
                {"name": name, "display_label": label} for name, (label, _) in DIMENSIONS.items()
            ],
            "granularities": [
                {"name": name, "display_label": label} for name, label in GRANULARITIES.items()
            ],
            "operators": [{"name": name, "value_type": kind} for name, kind in OPERATORS.items()],
        }
    )


# --- request parsing ----------------------------------------------------------------------


def _str_list(body: dict, name: str, *, required: bool = False) -> list[str]:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"{name} is required")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, f"{name} must be an array of strings")
    return value


def _timestamp(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise ApiError(
            400, f"{name} must be an ISO 8601 timestamp with seconds (YYYY-MM-DDTHH:MM:SSZ)"
        )
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day_range(body: dict) -> tuple[date, date]:
    """The first and last UTC day overlapping ``[start, end)``."""
    time_range = body.get("time_range")
    if time_range is None:
        now = datetime.now(UTC)
        start, end = now - timedelta(days=DEFAULT_DAYS), now
    else:
        if not isinstance(time_range, dict):
            raise ApiError(400, "time_range must be an object with start and end")
        start = _timestamp(time_range.get("start"), "time_range.start")
        end = _timestamp(time_range.get("end"), "time_range.end")
        if start >= end:
            raise ApiError(400, "time_range.start must be before time_range.end")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    return start.date(), (end - timedelta(microseconds=1)).date()


def _int_option(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROWS:
        raise ApiError(400, f"{name} must be an integer between 1 and {MAX_ROWS}")
    return value


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


# --- filters ------------------------------------------------------------------------------


class _Resolver:
    """Turns filter values (ids as the API documents them) into ledger values."""

    def __init__(self, account) -> None:
        self.account = account
        self.warnings: list[str] = []

    def values(self, dimension: str, raw: list) -> list:
        resolved = []
        for value in raw:
            found = self._one(dimension, value)
            if found is None:
                self.warnings.append(f"Could not resolve {dimension} filter value: {value}")
            else:
                resolved.append(found)
        return resolved

    def _one(self, dimension: str, value: Any) -> Any:
        text = str(value)
        if dimension == "api_key_id":
            keys = ApiKey.objects.filter(account=self.account)
            if re.fullmatch(r"[0-9a-f]{64}", text):
                return text if keys.filter(hash=text).exists() else None
            if text.isdigit():
                key = keys.filter(numeric_id=int(text)).first()
                return key.hash if key else None
            return None
        if dimension == "user_email":
            member = self.account.members.filter(email__iexact=text).first()
            return member.user_id if member else None
        if dimension == "workspace":
            workspaces = Workspace.objects.filter(account=self.account)
            try:
                ws = workspaces.filter(id=uuid.UUID(text)).first()
            except ValueError:
                ws = workspaces.filter(slug=text).first()
            return ws.id if ws else None
        if dimension == "provider" and text in PROVIDERS:
            return PROVIDERS[text].name
        return text


def _matches(column: str, op: str, values: list, *, model: bool) -> Q:
    columns = [column, "model_permaslug"] if model else [column]
    q = Q()
    for col in columns:
        if op in ("eq", "neq"):
            part = Q(**{col: values[0]}) if values else Q(pk__in=[])
        elif op in ("in", "not_in"):
            part = Q(**{f"{col}__in": values})
        else:
            part = Q(**{f"{col}__{op}": values[0]}) if values else Q(pk__in=[])
        q |= part
    return q


def _filter_q(body: dict, resolver: _Resolver) -> Q:
    raw_filters = body.get("filters") or []
    if not isinstance(raw_filters, list):
        raise ApiError(400, "filters must be an array")
    if len(raw_filters) > 20:
        raise ApiError(400, "At most 20 filters are allowed")
    combined = Q()
    for item in raw_filters:
        if not isinstance(item, dict):
            raise ApiError(400, "Each filter must be an object with field, operator and value")
        name, op, value = item.get("field"), item.get("operator"), item.get("value")
        if name not in DIMENSIONS:
            raise ApiError(400, f"Unknown filter field: {name}")
        if op not in OPERATORS:
            raise ApiError(400, f"Unknown filter operator: {op}")
        if OPERATORS[op] == "array":
            if not isinstance(value, list) or not all(_scalar(v) for v in value):
                raise ApiError(400, f"Operator {op} requires an array value")
            raw = value
        else:
            if not _scalar(value):
                raise ApiError(400, f"Operator {op} requires a scalar value")
            raw = [value]
        column = DIMENSIONS[name][1]
        values = resolver.values(name, raw)
        base_op = {"neq": "eq", "not_in": "in"}.get(op, op)
        positive = _matches(column, base_op, values, model=name == "model")
        q = ~positive if op in ("neq", "not_in") else positive
        unset = Q(**{f"{column}__isnull": True})
        # An unset dimension never equals (nor differs from) a value, as in SQL.
        include_unset = op in ("in", "not_in") and item.get("include_unset")
        q = (q | unset) if include_unset else (q & ~unset)
        combined &= q
    return combined


# --- aggregation --------------------------------------------------------------------------


def _bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def _labels(account, dimensions: list[str], keys: set) -> dict[str, dict]:
    """Display labels for the ids found in the result, per dimension."""
    labels: dict[str, dict] = {}
    ids = {d: {k[i] for k in keys} - {None} for i, d in enumerate(dimensions)}
    for dim in dimensions:
        if dim == "api_key_id":
            labels[dim] = dict(
                ApiKey.objects.filter(account=account, hash__in=ids[dim]).values_list(
                    "hash", "name"
                )
            )
        elif dim in ("user", "user_email"):
            members = account.members.filter(user_id__in=ids[dim])
            labels[dim] = {
                m.user_id: (
                    m.email
                    if dim == "user_email"
                    else " ".join(p for p in (m.first_name, m.last_name) if p) or m.email
                )
                for m in members
            }
        elif dim == "workspace":
            labels[dim] = dict(
                Workspace.objects.filter(account=account, id__in=ids[dim]).values_list("id", "name")
            )
    return labels


def _metric_values(sums: dict[str, float]) -> dict[str, Any]:
    requests = int(sums["requests"])
    prompt, completion = int(sums["prompt"]), int(sums["completion"])
    return {
        "request_count": requests,
        "total_usage": round(float(sums["usage"]), 6),
        "byok_usage": round(float(sums["byok"]), 6),
        "tokens_prompt": prompt,
        "tokens_completion": completion,
        "tokens_reasoning": int(sums["reasoning"]),
        "tokens_cached": int(sums["cached"]),
        "tokens_total": prompt + completion,
        "cache_hit_rate": round(sums["cached"] / prompt, 6) if prompt else 0.0,
        "avg_cost_per_request": round(sums["usage"] / requests, 8) if requests else 0.0,
    }


@endpoint(auth="management", methods=("POST",))
def query(request, caller: Caller):
    """See the module docstring for the metrics, dimensions and rules supported."""
    started = time.perf_counter()
    body = json_body(request)
    metrics = _str_list(body, "metrics", required=True)
    if not metrics:
        raise ApiError(400, "metrics must contain at least one metric")
    for name in metrics:
        if name not in METRICS:
            raise ApiError(400, f"Unknown metric: {name}. Available: {', '.join(METRICS)}")
    dimensions = _str_list(body, "dimensions")
    if len(dimensions) > 2:
        raise ApiError(400, "At most 2 dimensions are allowed")
    for name in dimensions:
        if name not in DIMENSIONS:
            raise ApiError(400, f"Unknown dimension: {name}. Available: {', '.join(DIMENSIONS)}")
    granularity = body.get("granularity")
    if granularity is not None and granularity not in GRANULARITIES:
        raise ApiError(400, f"Unknown granularity: {granularity}")
    if body.get("classifier_dimensions") or body.get("classifier_filters"):
        raise ApiError(400, "No active classifier on this workspace")
    first, last = _day_range(body)
    limit = _int_option(body, "limit")
    group_limit = _int_option(body, "group_limit")
    date_key = f"date__{granularity}" if granularity else None
    order_field, descending = _order(body, metrics, dimensions, date_key)

    resolver = _Resolver(caller.account)
    records = ActivityRecord.objects.filter(
        _filter_q(body, resolver), account=caller.account, date__range=(first, last)
    )
    columns = [DIMENSIONS[d][1] for d in dimensions]
    group_columns = list(dict.fromkeys(columns + (["date"] if granularity else [])))
    sums_by_group: dict[tuple, dict[str, float]] = defaultdict(lambda: dict.fromkeys(_SUMS, 0))
    grouped = records.values(*group_columns).annotate(
        **{f"agg_{k}": Sum(col) for k, col in _SUMS.items()}
    )
    if not group_columns:
        grouped = [
            records.aggregate(**{f"agg_{k}": Sum(col, default=0) for k, col in _SUMS.items()})
        ]
    for row in grouped:
        key = tuple(row[c] for c in columns)
        if granularity:
            key += (_bucket(row["date"], granularity),)
        sums = sums_by_group[key]
        for k in _SUMS:
            sums[k] += row[f"agg_{k}"] or 0

    labels = _labels(caller.account, dimensions, set(sums_by_group))
    rows = []
    for key, sums in sums_by_group.items():
        out: dict[str, Any] = {}
        if granularity:
            out[date_key] = f"{key[-1].isoformat()}T00:00:00.000Z"
        for i, dim in enumerate(dimensions):
            raw = key[i]
            out[dim] = labels[dim].get(raw, str(raw)) if dim in labels and raw else raw
        values = _metric_values(sums)
        out.update({m: values[m] for m in metrics})
        rows.append((out, key[: len(dimensions)], values))

    rows.sort(key=lambda r: _sort_value(r, order_field), reverse=descending)
    if dimensions and group_limit:
        seen: dict[tuple, int] = defaultdict(int)
        kept = []
        for row in rows:
            seen[row[1]] += 1
            if seen[row[1]] <= group_limit:
                kept.append(row)
        rows = kept
    if limit is None:
        limit = DEFAULT_LIMIT
        if granularity and dimensions and group_limit is None:
            limit = max(DEFAULT_LIMIT, min(len(rows), MAX_ROWS))
    truncated = len(rows) > limit
    data = [_stringify(r[0]) for r in rows[:limit]]
    result: dict[str, Any] = {
        "data": data,
        "metadata": {
            "query_time_ms": round((time.perf_counter() - started) * 1000, 3),
            "row_count": len(data),
            "truncated": truncated,
        },
    }
    if resolver.warnings:
        result["warnings"] = resolver.warnings
    return ok(result)


def _order(body: dict, metrics: list, dimensions: list, date_key: str | None):
    order_by = body.get("order_by")
    if order_by is None:
        return (date_key, True) if date_key else (metrics[0], True)
    if not isinstance(order_by, dict):
        raise ApiError(400, "order_by must be an object with field and direction")
    field_name, direction = order_by.get("field"), order_by.get("direction")
    if direction not in ("asc", "desc"):
        raise ApiError(400, "order_by.direction must be one of: asc, desc")
    if field_name in ("date", date_key) and date_key:
        return date_key, direction == "desc"
    if field_name in metrics or field_name == "request_count" or field_name in dimensions:
        return field_name, direction == "desc"
    raise ApiError(
        400, f"Invalid order_by field: {field_name}. Use a requested metric, dimension or date"
    )


def _sort_value(row: tuple, field_name: str):
    """Unset values sort as the smallest; ties break on the other columns."""
    out, _dims, values = row
    value = values.get(field_name, out.get(field_name))
    secondary = tuple(str(out.get(k) or "") for k in out if k != field_name)
    return (value is not None, value if value is not None else 0, secondary)


def _stringify(row: dict[str, Any]) -> dict[str, Any]:
    """Counts travel as strings, like upstream's ClickHouse-backed answers."""
    return {
        k: str(v) if k in METRICS and METRICS[k][1] == "number" and isinstance(v, int) else v
        for k, v in row.items()
    }
