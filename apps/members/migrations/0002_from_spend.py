"""The member directory and console links move from the spend app to this one."""

from __future__ import annotations

from django.db import migrations


def forwards(apps, schema_editor):
    UpstreamMember = apps.get_model("members", "UpstreamMember")
    UpstreamIdentity = apps.get_model("members", "UpstreamIdentity")
    OldMember = apps.get_model("spend", "UpstreamMember")
    OldIdentity = apps.get_model("spend", "UpstreamIdentity")
    UpstreamMember.objects.bulk_create(
        [
            UpstreamMember(
                organisation_id=m.organisation_id, user_id=m.user_id, email=m.email, name=m.name
            )
            for m in OldMember.objects.iterator()
        ],
        ignore_conflicts=True,
    )
    UpstreamIdentity.objects.bulk_create(
        [
            UpstreamIdentity(
                organisation_id=i.organisation_id,
                user_id=i.user_id,
                upstream_user_id=i.upstream_user_id,
                source="manual",
            )
            for i in OldIdentity.objects.iterator()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("spend", "0004_bulk_tables_no_fk_constraint"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
