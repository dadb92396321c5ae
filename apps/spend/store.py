"""Set-based writes for one (organisation, run of days): raw upserts, facts, rollups.

PostgreSQL gets ``COPY`` into a temporary staging table and one ``INSERT … ON CONFLICT``
(plus one ``DELETE`` of rows upstream no longer reports); other databases (SQLite in
development and tests) get the same statements fed by ``executemany``. Rollups are one
``INSERT … SELECT`` over the days' facts, so they always equal the facts.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

RAW = {
    "activity": {
        "table": "spend_activityday",
        "key": ("model_permaslug", "endpoint_id", "workspace_id"),
        "values": (
            "model",
            "provider",
            "requests",
            "usage_micros",
            "byok_micros",
            "prompt_tokens",
            "completion_tokens",
            "reasoning_tokens",
            "cached_tokens",
        ),
    },
    "keys": {
        "table": "spend_keyday",
        "key": ("key_hash", "model_permaslug"),
        "values": ("workspace_id", "user_id", "requests", "usage_micros"),
    },
}
FACT_TABLE = "spend_spendfact"
FACT_COLUMNS = (
    "date",
    "workspace_id",
    "model",
    "provider",
    "key_hash",
    "user_id",
    "requests",
    "usage_micros",
    "byok_micros",
    "tokens",
)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def relax_durability() -> None:
    """The cache is rebuilt from upstream on every sync, so a transaction need not wait
    for its WAL flush: a crash loses at most the last moments, which the next run
    rewrites. Atomicity and consistency are unchanged."""
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _load(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Bulk-load rows into ``table`` (COPY on PostgreSQL)."""
    if not rows:
        return
    cols = ", ".join(columns)
    if _is_postgres():
        with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608


def _in(days: list[date]) -> str:
    return "(" + ", ".join(["%s"] * len(days)) + ")"


def raw_replace(organisation_id: int, days: list[date], kind: str, rows: list) -> None:
    """Upsert absolute values keyed by (date + natural key); delete what upstream dropped."""
    spec = RAW[kind]
    table, key, values = spec["table"], spec["key"], spec["values"]
    columns = ("organisation_id", "date", *key, *values)
    data = [(organisation_id, *(getattr(r, c) for c in ("date", *key, *values))) for r in rows]
    stage = f"stage_{table}"
    cols = ", ".join(columns)
    keys = ", ".join(("date", *key))
    updates = ", ".join(f"{c} = excluded.{c}" for c in values)
    with connection.cursor() as cursor:
        suffix = "WITH NO DATA" if _is_postgres() else "WHERE 0"
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {cols} FROM {table} {suffix}"  # noqa: S608
        )
        cursor.execute(f"DELETE FROM {stage}")  # noqa: S608
        _load(cursor, stage, columns, data)
        # Rows upstream no longer reports: found by set difference here rather than an
        # anti-join, whose plan depends on statistics freshly synced tables do not have.
        fresh = {tuple(getattr(r, c) for c in ("date", *key)) for r in rows}
        cursor.execute(
            f"SELECT id, {keys} FROM {table} WHERE organisation_id = %s AND date IN {_in(days)}",  # noqa: S608
            [organisation_id, *days],
        )
        stale = [row[0] for row in cursor.fetchall() if tuple(row[1:]) not in fresh]
        for i in range(0, len(stale), 5000):
            batch = stale[i : i + 5000]
            cursor.execute(f"DELETE FROM {table} WHERE id IN {_in(batch)}", batch)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} WHERE true "  # noqa: S608
            f"ON CONFLICT (organisation_id, {keys}) DO UPDATE SET {updates}"
        )
        cursor.execute(f"DELETE FROM {stage}")  # noqa: S608


def facts_replace(organisation_id: int, days: list[date], facts: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {FACT_TABLE} WHERE organisation_id = %s AND date IN {_in(days)}",  # noqa: S608
            [organisation_id, *days],
        )
        _load(
            cursor,
            FACT_TABLE,
            ("organisation_id", *FACT_COLUMNS),
            [(organisation_id, *f) for f in facts],
        )


_SUMS = "SUM(requests), SUM(usage_micros), SUM(byok_micros), SUM(tokens)"
_DIMS = {
    "all": "''",
    "model": "model",
    "provider": "provider",
    "workspace": "workspace_id",
    "key": "key_hash",
    "member": "user_id",
}


def _rollup_insert(n_days: int) -> str:
    parts = []
    for scoped in (False, True):
        scope = "CASE WHEN workspace_id = '' THEN '-' ELSE workspace_id END" if scoped else "''"
        for dim, expr in _DIMS.items():
            group = [
                "date",
                *(["workspace_id"] if scoped else []),
                *([] if dim == "all" else [expr]),
            ]
            parts.append(
                f"SELECT organisation_id, date, {scope}, '{dim}', {expr}, {_SUMS} "  # noqa: S608
                f"FROM {FACT_TABLE} WHERE organisation_id = %s AND date IN {_in([None] * n_days)} "
                f"GROUP BY organisation_id, {', '.join(dict.fromkeys(group))}"
            )
    return (
        "INSERT INTO spend_spendrollup (organisation_id, date, scope, dim, value, requests, "
        "usage_micros, byok_micros, tokens) " + " UNION ALL ".join(parts)
    )


def rollups_rebuild(organisation_id: int, days: list[date]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM spend_spendrollup WHERE organisation_id = %s AND date IN {_in(days)}",  # noqa: S608
            [organisation_id, *days],
        )
        cursor.execute(_rollup_insert(len(days)), [organisation_id, *days] * 12)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def months_rebuild(organisation_id: int, days: list[date]) -> None:
    """Re-sum the monthly rollups of every month these days fall in."""
    with connection.cursor() as cursor:
        for first in sorted({month_start(d) for d in days}):
            cursor.execute(
                "DELETE FROM spend_spendrollupmonth WHERE organisation_id = %s AND month = %s",
                [organisation_id, first],
            )
            cursor.execute(
                "INSERT INTO spend_spendrollupmonth (organisation_id, month, scope, dim, value, "  # noqa: S608
                "requests, usage_micros, byok_micros, tokens) "
                f"SELECT organisation_id, %s, scope, dim, value, {_SUMS} FROM spend_spendrollup "
                "WHERE organisation_id = %s AND date BETWEEN %s AND %s "
                "GROUP BY organisation_id, scope, dim, value",
                [first, organisation_id, first, month_end(first)],
            )
