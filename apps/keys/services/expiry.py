"""Expiry warnings: 14, 7 and 1 days before a key expires, each sent once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Membership
from apps.accounts.roles import Perm, roles_with
from apps.keys.models import ExpiryWarning, Key

THRESHOLDS = (14, 7, 1)


def _recipients(key: Key) -> list[str]:
    emails = set(
        Membership.objects.filter(
            organisation=key.organisation, role__in=roles_with(Perm.MANAGE_KEYS)
        ).values_list("user__email", flat=True)
    )
    if key.owner is not None:
        emails.add(key.owner.email)
    return sorted(emails)


def expiry_warnings_send(now: datetime | None = None) -> int:
    """Send what is due; returns the number of emails sent."""
    now = now or timezone.now()
    due = (
        Key.objects.filter(
            disabled=False, expires_at__gt=now, expires_at__lte=now + timedelta(days=THRESHOLDS[0])
        )
        .select_related("organisation", "owner")
        .order_by("expires_at")
    )
    sent = 0
    for key in due:
        days_left = (key.expires_at - now) / timedelta(days=1)
        applicable = [t for t in THRESHOLDS if days_left <= t]
        tightest = min(applicable)
        done = set(
            ExpiryWarning.objects.filter(
                organisation=key.organisation, key_hash=key.hash, expires_at=key.expires_at
            ).values_list("days_before", flat=True)
        )
        if tightest in done:
            continue
        try:
            with transaction.atomic():
                # Record every threshold passed, so a key found late gets one email, not three.
                for threshold in applicable:
                    if threshold not in done:
                        ExpiryWarning.objects.create(
                            organisation=key.organisation,
                            key_hash=key.hash,
                            expires_at=key.expires_at,
                            days_before=threshold,
                        )
        except IntegrityError:
            continue  # another worker sent it
        recipients = _recipients(key)
        if not recipients:
            continue
        link = settings.CONSOLE_URL.rstrip("/") + reverse("keys:rotate", args=[key.hash])
        send_mail(
            subject=f"API key “{key.name}” expires in {tightest} day{'s' if tightest > 1 else ''}",
            message=render_to_string(
                "keys/email/expiry_warning.txt", {"key": key, "days": tightest, "link": link}
            ),
            from_email=None,
            recipient_list=recipients,
        )
        sent += 1
    return sent
