from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo: sandbox data, demo organisations connected to it, and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default=None, help="upstream base URL (default: OPENROUTER_BASE_URL)"
        )
        parser.add_argument("--keys", type=int, default=30)
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--reset", action="store_true", help="re-create the sandbox data")

    def handle(self, *args, **opts):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The demo needs the sandbox: set SANDBOX_ENABLED=true.")
        result = load_demo(
            base_url=opts["base_url"], keys=opts["keys"], days=opts["days"], reset=opts["reset"]
        )
        self.stdout.write(self.style.SUCCESS("Demo loaded."))
        for email, role in result.logins:
            self.stdout.write(f"  {email:<22} password: {DEMO_PASSWORD}   ({role})")
