"""The local mirror of OpenRouter's catalog: models of every modality, their endpoints per
provider, and the providers. One mirror per organisation (each may point at another
upstream base URL). A model or provider that disappears upstream is marked ``gone_at``,
never silently deleted, so a picker can say it "no longer exists upstream".
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone

MILLION = Decimal(1_000_000)
UNKNOWN_DATE = datetime(1970, 1, 1, tzinfo=UTC)


def price_field(**kwargs) -> models.DecimalField:
    """USD per token (or per unit), exactly as upstream's decimal strings; None = unknown or
    variable (upstream writes ``-1`` for routers whose price depends on the model chosen)."""
    return models.DecimalField(max_digits=24, decimal_places=14, null=True, blank=True, **kwargs)


def tags(values) -> str:
    """A list as ``,a,b,``: a portable "contains" filter (``__contains=",a,"``) on any database."""
    return "," + ",".join(v for v in values if v) + "," if values else ""


class Modality(models.TextChoices):
    """Output modalities as the API names them (``architecture.output_modalities``)."""

    TEXT = "text", "Chat / text"
    EMBEDDINGS = "embeddings", "Embeddings"
    IMAGE = "image", "Images"
    VIDEO = "video", "Video"
    SPEECH = "speech", "Speech"
    AUDIO = "audio", "Audio"
    TRANSCRIPTION = "transcription", "Transcription"
    RERANK = "rerank", "Rerank"


KIND_LABELS = dict(Modality.choices)


class CatalogModel(models.Model):
    """One model, with the SDK ``Model`` fields the console shows or filters on."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    model_id = models.CharField(max_length=200)  # author/slug (upstream's ``id``)
    canonical_slug = models.CharField(max_length=200, blank=True, default="")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # The main output modality (see ``kind_of``) and the full lists, as ``,a,b,`` tags.
    kind = models.CharField(max_length=20, default=Modality.TEXT)
    modality = models.CharField(max_length=120, blank=True, default="")
    input_modalities = models.CharField(max_length=200, blank=True, default="")
    output_modalities = models.CharField(max_length=200, blank=True, default="")
    context_length = models.PositiveBigIntegerField(null=True, blank=True)
    max_completion_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    prompt_price = price_field()
    completion_price = price_field()
    # Every price upstream lists (request, image, audio, cache reads…), as its strings.
    pricing = models.JSONField(default=dict, blank=True)
    supported_parameters = models.TextField(blank=True, default="")  # ,a,b, tags
    tokenizer = models.CharField(max_length=40, blank=True, default="")
    instruct_type = models.CharField(max_length=40, blank=True, default="")
    is_moderated = models.BooleanField(default=False)
    hugging_face_id = models.CharField(max_length=200, blank=True, default="")
    knowledge_cutoff = models.CharField(max_length=40, blank=True, default="")
    expiration_date = models.CharField(max_length=40, blank=True, default="")
    # Upstream's ``created`` (unix seconds); the epoch when unknown, so it sorts.
    created = models.DateTimeField(default=UNKNOWN_DATE)
    # Modality-specific details from /images/models, /videos/models (resolutions, voices…).
    details = models.JSONField(default=dict, blank=True)
    # Derived from the endpoints: providers serving it (,a,b, slugs) and ZDR availability.
    providers = models.TextField(blank=True, default="")
    endpoint_count = models.PositiveSmallIntegerField(default=0)
    zdr = models.BooleanField(default=False)
    # Never-null sort columns for keyset pagination.
    context_sort = models.PositiveBigIntegerField(default=0)
    prompt_sort = models.DecimalField(max_digits=24, decimal_places=14, default=Decimal(0))
    completion_sort = models.DecimalField(max_digits=24, decimal_places=14, default=Decimal(0))
    gone_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "model_id"], name="catalog_model_id")
        ]
        indexes = [
            models.Index(fields=["organisation", "name", "id"], name="catalog_model_name"),
            models.Index(fields=["organisation", "context_sort", "id"], name="catalog_model_ctx"),
            models.Index(fields=["organisation", "prompt_sort", "id"], name="catalog_model_in"),
            models.Index(
                fields=["organisation", "completion_sort", "id"], name="catalog_model_out"
            ),
            models.Index(fields=["organisation", "created", "id"], name="catalog_model_new"),
            models.Index(fields=["organisation", "canonical_slug"], name="catalog_model_canon"),
        ]

    def __str__(self) -> str:
        return self.model_id

    @property
    def is_gone(self) -> bool:
        return self.gone_at is not None

    @property
    def prompt_per_million(self) -> Decimal | None:
        return None if self.prompt_price is None else self.prompt_price * MILLION

    @property
    def completion_per_million(self) -> Decimal | None:
        return None if self.completion_price is None else self.completion_price * MILLION

    @property
    def priced_per_unit(self) -> bool:
        """A media model with no token price: upstream prices it per image, second or request."""
        return self.kind not in (Modality.TEXT, Modality.EMBEDDINGS) and not (
            self.prompt_price or self.completion_price
        )

    @property
    def parameter_list(self) -> list[str]:
        return [p for p in self.supported_parameters.split(",") if p]

    @property
    def input_list(self) -> list[str]:
        return [p for p in self.input_modalities.split(",") if p]

    @property
    def output_list(self) -> list[str]:
        return [p for p in self.output_modalities.split(",") if p]

    @property
    def provider_list(self) -> list[str]:
        return [p for p in self.providers.split(",") if p]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def created_known(self) -> datetime | None:
        return self.created if self.created > UNKNOWN_DATE else None

    @property
    def author(self) -> str:
        return self.model_id.partition("/")[0]

    @property
    def slug(self) -> str:
        return self.model_id.partition("/")[2]

    def refresh_derived(self) -> None:
        self.context_sort = self.context_length or 0
        self.prompt_sort = self.prompt_price or Decimal(0)
        self.completion_sort = self.completion_price or Decimal(0)


class CatalogEndpoint(models.Model):
    """One provider's endpoint of one model (SDK ``PublicEndpoint``)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    model = models.ForeignKey(CatalogModel, on_delete=models.CASCADE, related_name="endpoints")
    provider_slug = models.CharField(max_length=100)  # upstream's ``tag``
    provider_name = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)  # upstream's order
    context_length = models.PositiveBigIntegerField(null=True, blank=True)
    max_completion_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    max_prompt_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    prompt_price = price_field()
    completion_price = price_field()
    pricing = models.JSONField(default=dict, blank=True)
    quantization = models.CharField(max_length=20, blank=True, default="")
    service_tier = models.CharField(max_length=20, blank=True, default="")
    status = models.IntegerField(null=True, blank=True)
    uptime_last_5m = models.FloatField(null=True, blank=True)
    uptime_last_30m = models.FloatField(null=True, blank=True)
    uptime_last_1d = models.FloatField(null=True, blank=True)
    latency_p50_ms = models.FloatField(null=True, blank=True)  # last 30 min
    throughput_p50 = models.FloatField(null=True, blank=True)  # tokens/s, last 30 min
    supports_implicit_caching = models.BooleanField(default=False)
    supported_parameters = models.TextField(blank=True, default="")
    zdr = models.BooleanField(default=False)  # listed by /endpoints/zdr

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "provider_slug"], name="catalog_endpoint")
        ]

    def __str__(self) -> str:
        return f"{self.model_id} @ {self.provider_slug}"

    @property
    def prompt_per_million(self) -> Decimal | None:
        return None if self.prompt_price is None else self.prompt_price * MILLION

    @property
    def completion_per_million(self) -> Decimal | None:
        return None if self.completion_price is None else self.completion_price * MILLION


class CatalogProvider(models.Model):
    """One provider (SDK ``ListProvidersData``)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    slug = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    privacy_policy_url = models.URLField(max_length=500, blank=True, default="")
    terms_of_service_url = models.URLField(max_length=500, blank=True, default="")
    status_page_url = models.URLField(max_length=500, blank=True, default="")
    headquarters = models.CharField(max_length=8, blank=True, default="")
    datacenters = models.JSONField(default=list, blank=True)
    gone_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="catalog_provider_slug")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_gone(self) -> bool:
        return self.gone_at is not None
