from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.sandbox.faults import FaultSpecError, parse_fault
from apps.sandbox.models import Account
from apps.sandbox.seed import DEMO_ACCOUNT_ID


class Command(BaseCommand):
    help = (
        "Make every call of one sandbox account fail the same way for a while, e.g. a "
        'rate-limit storm: --spec "429,retry_after=5" --seconds 60. --clear ends it.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", default=DEMO_ACCOUNT_ID)
        parser.add_argument("--spec", help='fault spec, e.g. "429,retry_after=5" or "503"')
        parser.add_argument(
            "--seconds", type=float, help="how long it lasts (default: until --clear)"
        )
        parser.add_argument("--clear", action="store_true", help="remove the account's fault")

    def handle(self, *args, **opts):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The sandbox is disabled (SANDBOX_ENABLED=false).")
        account = Account.objects.filter(id=opts["account"]).first()
        if account is None:
            raise CommandError(f"No sandbox account {opts['account']}.")
        if opts["clear"]:
            account.fault, account.fault_until = "", None
            account.save(update_fields=["fault", "fault_until"])
            self.stdout.write(f"Cleared the fault of {account.id}.")
            return
        if not opts["spec"]:
            raise CommandError("Pass --spec (or --clear).")
        try:
            fault = parse_fault(opts["spec"])
        except FaultSpecError as exc:
            raise CommandError(str(exc)) from None
        if fault.is_empty:
            raise CommandError("The spec does nothing: give a status, latency_ms or timeout.")
        seconds = opts["seconds"]
        if seconds is not None and seconds <= 0:
            raise CommandError("--seconds must be positive.")
        account.fault = opts["spec"]
        account.fault_until = timezone.now() + timedelta(seconds=seconds) if seconds else None
        account.save(update_fields=["fault", "fault_until"])
        until = account.fault_until.isoformat() if account.fault_until else "--clear"
        self.stdout.write(f"{account.id}: every call answers {opts['spec']!r} until {until}.")
