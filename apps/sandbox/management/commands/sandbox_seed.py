from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.sandbox.seed import DEMO_ACCOUNT_ID, SeedOptions, seed_account


class Command(BaseCommand):
    help = "Create (or recreate) a sandbox account with deterministic demo data."

    def add_arguments(self, parser):
        defaults = SeedOptions()
        parser.add_argument("--account", default=DEMO_ACCOUNT_ID, help="account id (org_…)")
        parser.add_argument("--name", default=defaults.name)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--workspaces", type=int, default=defaults.workspaces)
        parser.add_argument("--keys", type=int, default=defaults.keys)
        parser.add_argument("--days", type=int, default=defaults.days)
        parser.add_argument("--models", type=int, default=defaults.models)
        parser.add_argument("--credits", type=float, default=defaults.credits)

    def handle(self, *args, **opts):
        account, _secret = seed_account(
            SeedOptions(
                account_id=opts["account"],
                name=opts["name"],
                seed=opts["seed"],
                workspaces=opts["workspaces"],
                keys=opts["keys"],
                days=opts["days"],
                models=opts["models"],
                credits=opts["credits"],
            )
        )
        self.stdout.write(f"Seeded sandbox account {account.id} ({account.name}).")
