from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.core.fields import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the newest key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **opts):
        total = 0
        for model in apps.get_models():
            manager = model._default_manager
            for field in [
                f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
            ]:
                with transaction.atomic(using=manager.db):
                    # Reading decrypts with whichever key matches; writing encrypts with the newest.
                    for pk, value in manager.exclude(**{field.name: ""}).values_list(
                        "pk", field.attname
                    ):
                        manager.filter(pk=pk).update(**{field.name: value})
                        total += 1
        self.stdout.write(f"Re-encrypted {total} value(s) with the newest key.")
