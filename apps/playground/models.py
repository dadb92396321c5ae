"""What the playground keeps: one row per run, the generation id and its cost only
(never the prompt, the answer or the key)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PlaygroundRun(models.Model):
    class Modality(models.TextChoices):
        CHAT = "chat", "Chat"
        EMBEDDINGS = "embeddings", "Embeddings"
        RERANK = "rerank", "Rerank"
        IMAGE = "image", "Image"
        SPEECH = "speech", "Speech"
        TRANSCRIPTION = "transcription", "Transcription"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    modality = models.CharField(max_length=20, choices=Modality.choices)
    model = models.CharField(max_length=200)
    generation_id = models.CharField(max_length=100, blank=True, default="")
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.modality} {self.model} {self.generation_id}"


class SavedExchange(models.Model):
    """An exchange its person chose to keep: what was asked and what came back, as text
    (images and audio are not kept, only that they were made)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    modality = models.CharField(max_length=20, choices=PlaygroundRun.Modality.choices)
    model = models.CharField(max_length=200)
    prompt = models.TextField()
    answer = models.TextField(blank=True, default="")
    generation_id = models.CharField(max_length=100, blank=True, default="")
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.modality} {self.model}: {self.title}"

    @property
    def title(self) -> str:
        first = self.prompt.strip().splitlines()[0] if self.prompt.strip() else self.modality
        return first if len(first) <= 80 else first[:79] + "…"
