"""A person who leaves an organisation stops using its console key at once; the key is then
deleted upstream by a task (retried while upstream fails)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from apps.accounts.models import Membership
from apps.inference import services, tasks


@receiver(post_delete, sender=Membership)
def _member_left(sender, instance: Membership, **kwargs) -> None:
    ids = services.console_keys_retire_for_user(
        instance.organisation, instance.user_id, reason="owner left the organisation"
    )
    for console_key_id in ids:
        transaction.on_commit(lambda pk=console_key_id: tasks.console_key_delete.delay(pk))
