"""Carry the sync history of the two old frameworks (keys.SyncRun, spend.SyncState/SyncRun)
into the one framework's tables, before those models are dropped."""

from __future__ import annotations

from django.db import migrations

KEYS_STATUS = {"running": "abandoned", "ok": "ok", "failed": "error", "abandoned": "abandoned"}


def forwards(apps, schema_editor):
    SyncState = apps.get_model("syncs", "SyncState")
    SyncRun = apps.get_model("syncs", "SyncRun")
    KeysRun = apps.get_model("keys", "SyncRun")
    SpendState = apps.get_model("spend", "SyncState")
    SpendRun = apps.get_model("spend", "SyncRun")

    runs = []
    for old in SpendRun.objects.exclude(stream="keys").iterator():
        runs.append(
            SyncRun(
                organisation_id=old.organisation_id,
                stream=old.stream,
                trigger="schedule",
                started_at=old.started_at,
                finished_at=old.finished_at,
                outcome=old.outcome,
                rows=old.rows,
                calls=old.calls,
                error=old.error,
                duration_ms=old.duration_ms,
            )
        )
    # The keys stream's history is the keys app's own runs (the spend copy duplicated them).
    for old in KeysRun.objects.iterator():
        finished = old.finished_at
        runs.append(
            SyncRun(
                organisation_id=old.organisation_id,
                stream="keys",
                trigger="schedule",
                started_at=old.started_at,
                finished_at=finished,
                outcome=KEYS_STATUS.get(old.status, "error"),
                rows=old.rows,
                message=old.message if old.status == "ok" else "",
                error="" if old.status == "ok" else old.message,
                duration_ms=int((finished - old.started_at).total_seconds() * 1000)
                if finished
                else 0,
            )
        )
    SyncRun.objects.bulk_create(runs, batch_size=1000)

    for old in SpendState.objects.iterator():
        SyncState.objects.update_or_create(
            organisation_id=old.organisation_id,
            stream=old.stream,
            defaults={
                "last_started_at": old.last_started_at,
                "last_success_at": old.last_success_at,
                "last_error_at": old.last_error_at,
                "last_error": old.last_error,
                "rows_written": old.rows_written,
                "next_run_at": old.next_run_at,
            },
        )
    # The keys stream: its last successful pass, and an unfinished pass's resume point.
    for org_id in KeysRun.objects.values_list("organisation_id", flat=True).distinct():
        latest = KeysRun.objects.filter(organisation_id=org_id).order_by("-started_at").first()
        ok = (
            KeysRun.objects.filter(organisation_id=org_id, status="ok")
            .order_by("-started_at")
            .first()
        )
        state, _ = SyncState.objects.get_or_create(organisation_id=org_id, stream="keys")
        if ok is not None and (state.last_success_at is None or ok.finished_at > state.last_success_at):
            state.last_success_at = ok.finished_at
            state.last_message = ok.message
        if latest is not None and latest.status != "ok" and latest.cursor.get("pass_started_at"):
            state.cursor = {k: v for k, v in latest.cursor.items() if k != "retry_after"}
        state.save()


class Migration(migrations.Migration):
    dependencies = [
        ("syncs", "0001_initial"),
        ("keys", "0002_key_search_trigram"),
        ("spend", "0004_bulk_tables_no_fk_constraint"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
