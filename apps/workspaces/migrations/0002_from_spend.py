"""The workspace directory the spend app kept (SpendWorkspace) becomes the one mirror."""

from __future__ import annotations

from django.db import migrations


def forwards(apps, schema_editor):
    Workspace = apps.get_model("workspaces", "Workspace")
    SpendWorkspace = apps.get_model("spend", "SpendWorkspace")
    Workspace.objects.bulk_create(
        [
            Workspace(
                organisation_id=old.organisation_id,
                workspace_id=old.workspace_id,
                name=old.name,
                slug=old.slug,
            )
            for old in SpendWorkspace.objects.iterator()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0001_initial"),
        ("spend", "0004_bulk_tables_no_fk_constraint"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
