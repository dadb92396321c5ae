"""POST the terminal-state callbacks of finished video jobs (signed as upstream signs them).

``--base-url`` is the API base the callbacks' content URLs point at; ``--loop N`` repeats
every N seconds (for a demo whose console is reachable over https).
"""

from __future__ import annotations

import time

import httpx
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.sandbox.models import VideoJob
from apps.sandbox.views.videos import callback_payload, callbacks_due


class Command(BaseCommand):
    help = "Deliver due video-job callbacks once (or every --loop seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000/sandbox/api/v1")
        parser.add_argument("--loop", type=float, default=0.0)

    def handle(self, *args, base_url: str, loop: float, **options):
        while True:
            for job in callbacks_due():
                body, headers = callback_payload(job, base_url)
                try:
                    response = httpx.post(
                        job.params["callback_url"], content=body, headers=headers, timeout=10
                    )
                except httpx.HTTPError as exc:
                    self.stderr.write(f"{job.id}: {exc}")
                    continue
                if response.status_code < 500:
                    VideoJob.objects.filter(pk=job.pk).update(callback_sent_at=timezone.now())
                self.stdout.write(f"{job.id}: {response.status_code}")
            if not loop:
                return
            time.sleep(loop)
