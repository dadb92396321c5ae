from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STANDALONE_URLCONF = "apps.sandbox.standalone_urls"


class Command(BaseCommand):
    help = (
        "Serve only the sandbox (a fake OpenRouter) on its own port: "
        "http://HOST:PORT/api/v1/ (and /sandbox/api/v1/)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **opts):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The sandbox is disabled (SANDBOX_ENABLED=false).")
        # Requests resolve against settings.ROOT_URLCONF each time, so swapping it here
        # serves the sandbox routes only. No autoreloader: its child would not inherit this.
        settings.ROOT_URLCONF = STANDALONE_URLCONF
        self.stdout.write(f"Sandbox API at http://{opts['host']}:{opts['port']}/api/v1/")
        call_command("runserver", f"{opts['host']}:{opts['port']}", use_reloader=False)
