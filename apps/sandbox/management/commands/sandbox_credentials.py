from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.models import Account
from apps.sandbox.seed import DEMO_ACCOUNT_ID, SeedOptions, management_secret


class Command(BaseCommand):
    help = "Print the sandbox base URL and a seeded account's management key as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--account", default=DEMO_ACCOUNT_ID)
        parser.add_argument("--seed", type=int, default=SeedOptions().seed)

    def handle(self, *args, **opts):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The sandbox is disabled (SANDBOX_ENABLED=false).")
        account = Account.objects.filter(id=opts["account"]).first()
        if account is None:
            raise CommandError(
                f"No sandbox account {opts['account']}: run `manage.py load_demo` first."
            )
        payload = {
            "base_url": f"http://127.0.0.1:{settings.PORT}/sandbox/api/v1",
            "account_id": account.id,
            "account_name": account.name,
            "management_key": management_secret(account.id, opts["seed"]),
        }
        self.stdout.write(json.dumps(payload, indent=2))
