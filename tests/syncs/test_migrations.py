"""Today's rows survive the move to one sync framework and one workspace/member directory:
the old keys.SyncRun, spend.SyncState/SyncRun, SpendWorkspace and the spend member tables
are carried into syncs, workspaces and members before they are dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

# Only the apps the move touches go back (None: before their first migration).
BEFORE = [
    ("keys", "0002_key_search_trigram"),
    ("spend", "0004_bulk_tables_no_fk_constraint"),
    ("syncs", None),
    ("workspaces", None),
    ("members", None),
]
AFTER = [
    ("syncs", "0002_from_keys_and_spend"),
    ("workspaces", "0002_from_spend"),
    ("members", "0002_from_spend"),
    ("keys", "0003_drop_syncrun"),
    ("spend", "0005_move_out_syncs_workspaces_members"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def test_old_sync_history_workspaces_and_members_are_carried_over():
    old = _migrate(BEFORE)
    try:
        # Accounts stay at their latest migration: today's models make these two rows.
        from apps.accounts.models import Organisation, User

        org = Organisation.objects.create(name="Acme", slug="acme-migration")
        user = User.objects.create(email="linked@acme.test")
        now = timezone.now()
        old.get_model("keys", "SyncRun").objects.create(
            organisation_id=org.pk,
            stream="keys",
            status="ok",
            started_at=now - timedelta(minutes=3),
            finished_at=now - timedelta(minutes=2),
            rows=42,
            message="42 keys synced",
        )
        old.get_model("keys", "SyncRun").objects.create(
            organisation_id=org.pk,
            stream="keys",
            status="failed",
            started_at=now - timedelta(minutes=1),
            finished_at=now,
            message="OpenRouter is unavailable",
            cursor={"pass_started_at": now.isoformat(), "workspace": 2, "offset": 100},
        )
        old.get_model("spend", "SyncState").objects.create(
            organisation_id=org.pk, stream="credits", last_success_at=now, rows_written=1
        )
        old.get_model("spend", "SyncRun").objects.create(
            organisation_id=org.pk,
            stream="credits",
            started_at=now,
            finished_at=now,
            outcome="ok",
            rows=1,
            calls=1,
        )
        old.get_model("spend", "SpendWorkspace").objects.create(
            organisation_id=org.pk, workspace_id="ws-1", name="Production", slug="production"
        )
        old.get_model("spend", "UpstreamMember").objects.create(
            organisation_id=org.pk, user_id="user_1", email="ada@acme.test", name="Ada"
        )
        old.get_model("spend", "UpstreamIdentity").objects.create(
            organisation_id=org.pk, user_id=user.pk, upstream_user_id="user_1"
        )

        new = _migrate(AFTER)
        SyncRun = new.get_model("syncs", "SyncRun")
        SyncState = new.get_model("syncs", "SyncState")
        runs = {(r.stream, r.outcome) for r in SyncRun.objects.filter(organisation_id=org.pk)}
        assert runs == {("keys", "ok"), ("keys", "error"), ("credits", "ok")}
        keys_state = SyncState.objects.get(organisation_id=org.pk, stream="keys")
        assert (
            keys_state.last_success_at is not None and keys_state.last_message == "42 keys synced"
        )
        assert keys_state.cursor == {
            "pass_started_at": now.isoformat(),
            "workspace": 2,
            "offset": 100,
        }
        assert SyncState.objects.get(organisation_id=org.pk, stream="credits").rows_written == 1
        workspace = new.get_model("workspaces", "Workspace").objects.get(organisation_id=org.pk)
        assert (workspace.workspace_id, workspace.name) == ("ws-1", "Production")
        member = new.get_model("members", "UpstreamMember").objects.get(organisation_id=org.pk)
        assert member.email == "ada@acme.test"
        link = new.get_model("members", "UpstreamIdentity").objects.get(organisation_id=org.pk)
        assert (link.user_id, link.upstream_user_id) == (user.pk, "user_1")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
