"""Set-based writes for one (organisation, run of days): raw upserts, facts, rollups.

PostgreSQL gets ``COPY`` into a temporary staging table and one ``INSERT … ON CONFLICT``
(plus one ``DELETE`` of rows upstream no longer reports); other databases (SQLite in
development and tests) get the same statements fed by ``executemany``. Rollups are one
``INSERT … SELECT`` over the days' facts, so they always equal the facts.
"""

from __future__ import annotations

from datetime import date, timedelta
from operator import attrgetter

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
    rewrites. Atomicity and consistency are unchanged. The rollups' grouping sets also
    get room to aggregate in memory rather than spill to disk."""
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value) -> str:
    if value is None:
        return "\\N"
    return str(value).translate(_COPY_ESCAPES)


def _copy_text(rows: list[tuple], n_columns: int) -> str:
    """Rows in COPY's text format. Values are ints, strings and dates, whose ``str()`` is
    what COPY reads. Checked for the whole block at once (C-speed scans): if any value
    held a separator, a backslash or was NULL, the block is escaped field by field."""
    text = "\n".join(map(("\t".join(["%s"] * n_columns)).__mod__, rows)) + "\n"
    if (
        text.count("\t") == len(rows) * (n_columns - 1)
        and text.count("\n") == len(rows)
        and "\\" not in text
        and "\r" not in text
        and "None" not in text
    ):
        return text
    return "".join("\t".join(map(_copy_field, row)) + "\n" for row in rows)


def _load(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Bulk-load rows into ``table`` (COPY on PostgreSQL)."""
    if not rows:
        return
    cols = ", ".join(columns)
    if _is_postgres():
        with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            # Small blocks: the server inserts one while the next is being formatted.
            for i in range(0, len(rows), 4096):
                copy.write(_copy_text(rows[i : i + 4096], len(columns)))
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
    get = attrgetter("date", *key, *values)
    org = (organisation_id,)
    data = [org + get(r) for r in rows]
    stage = f"stage_{table}"
    cols = ", ".join(columns)
    keys = ", ".join(("date", *key))
    updates = ", ".join(f"{c} = excluded.{c}" for c in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {keys} FROM {table} WHERE organisation_id = %s AND date IN {_in(days)}",  # noqa: S608
            [organisation_id, *days],
        )
        stored = cursor.fetchall()
        if not stored:
            # Nothing stored for these days (a first sync): no conflict is possible.
            _load(cursor, table, columns, data)
            return
        suffix = "WITH NO DATA" if _is_postgres() else "WHERE 0"
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {cols} FROM {table} {suffix}"  # noqa: S608
        )
        cursor.execute(f"DELETE FROM {stage}")  # noqa: S608
        _load(cursor, stage, columns, data)
        # Rows upstream no longer reports: found by set difference here rather than an
        # anti-join, whose plan depends on statistics freshly synced tables do not have.
        get_key = attrgetter("date", *key)
        fresh = {get_key(r) for r in rows}
        stale = [row[0] for row in stored if tuple(row[1:]) not in fresh]
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


# PostgreSQL: the same rows from one scan of the facts. GROUPING() numbers each grouping set
# (a bit per column left out, in the order below); each (set, scoped, dim) row of the
# VALUES list turns one group into one rollup row, as the matching SELECT above would.
_GROUPED = ("workspace_id", "model", "provider", "key_hash", "user_id")


def _grouping_id(columns: tuple[str, ...]) -> int:
    bits = len(_GROUPED)
    return sum(1 << (bits - 1 - i) for i, c in enumerate(_GROUPED) if c not in columns)


def _rollup_insert_grouped(n_days: int) -> str:
    sets, mapping = {}, []
    for scoped in (False, True):
        for dim, expr in _DIMS.items():
            columns = tuple(
                dict.fromkeys(
                    [*(["workspace_id"] if scoped else []), *([expr] if dim != "all" else [])]
                )
            )
            gid = _grouping_id(columns)
            sets[gid] = "(" + ", ".join(columns) + ")"
            mapping.append(f"({gid}, {'true' if scoped else 'false'}, '{dim}')")
    value = " ".join(
        f"WHEN '{dim}' THEN {'g.' + expr if dim != 'all' else expr}" for dim, expr in _DIMS.items()
    )
    return (
        "INSERT INTO spend_spendrollup (organisation_id, date, scope, dim, value, requests, "  # noqa: S608
        "usage_micros, byok_micros, tokens) "
        "SELECT g.organisation_id, g.date, CASE WHEN NOT m.scoped THEN '' "
        "WHEN g.workspace_id = '' THEN '-' ELSE g.workspace_id END, "
        f"m.dim, CASE m.dim {value} END, g.requests, g.usage_micros, g.byok_micros, g.tokens "
        f"FROM (SELECT organisation_id, date, {', '.join(_GROUPED)}, "
        f"GROUPING({', '.join(_GROUPED)}) AS gid, SUM(requests) AS requests, "
        "SUM(usage_micros) AS usage_micros, SUM(byok_micros) AS byok_micros, "
        f"SUM(tokens) AS tokens FROM {FACT_TABLE} "
        f"WHERE organisation_id = %s AND date IN {_in([None] * n_days)} "
        f"GROUP BY organisation_id, date, GROUPING SETS ({', '.join(sets.values())})) AS g "
        f"JOIN (VALUES {', '.join(mapping)}) AS m (gid, scoped, dim) ON m.gid = g.gid"
    )


def rollups_rebuild(organisation_id: int, days: list[date]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM spend_spendrollup WHERE organisation_id = %s AND date IN {_in(days)}",  # noqa: S608
            [organisation_id, *days],
        )
        if _is_postgres():
            cursor.execute(_rollup_insert_grouped(len(days)), [organisation_id, *days])
        else:
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
