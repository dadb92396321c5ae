"""The form every destination type's ``config`` needs, read from the SDK's config models
(field names, required or optional, defaults, enum values, booleans).

Which fields are credentials the SDK does not say: ``SECRETS`` names them (upstream masks
exactly these), and custom ``headers`` are treated as credentials too (they carry tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic_core import PydanticUndefined

from apps.gateway.observability import DESTINATION_TYPES, config_model, literal_choices

SECRETS = frozenset(
    {
        "apiKey",
        "spaceKey",
        "password",
        "publicKey",
        "secretKey",
        "licenseKey",
        "token",
        "accessKeyId",
        "secretAccessKey",
        "sessionToken",
        "dsn",
    }
)
URLS = frozenset({"url", "baseUrl", "endpoint", "otlpEndpoint"})
# Set by upstream, never by the person (shown on the page, not in the form).
READ_ONLY = frozenset({"externalId"})
HEADERS = "headers"
ACRONYMS = {"url": "URL", "id": "ID", "arn": "ARN", "dsn": "DSN", "otlp": "OTLP", "ml": "ML"}
LABELS = {
    "otel-collector": "OpenTelemetry collector",
    "newrelic": "New Relic",
    "posthog": "PostHog",
    "clickhouse": "ClickHouse",
    "langsmith": "LangSmith",
    "s3": "Amazon S3 (or compatible)",
    "webhook": "Webhook",
}


@dataclass(frozen=True)
class ConfigField:
    name: str  # the API's name (camelCase)
    required: bool
    default: object = None
    choices: tuple[str, ...] = ()
    boolean: bool = False

    @property
    def secret(self) -> bool:
        return self.name in SECRETS

    @property
    def url(self) -> bool:
        return self.name in URLS

    @property
    def label(self) -> str:
        words = "".join(f" {c.lower()}" if c.isupper() else c for c in self.name).split()
        words = [ACRONYMS.get(w, w) for w in words]
        return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def type_label(kind: str) -> str:
    return LABELS.get(kind) or kind.replace("-", " ").title()


@cache
def config_fields(kind: str) -> tuple[ConfigField, ...]:
    """The fields of ``kind``'s config, required first, as the SDK declares them."""
    model = config_model(kind)
    if model is None:
        return ()
    out = []
    for name, info in model.model_fields.items():
        api_name = info.alias or name
        if api_name in READ_ONLY or api_name == HEADERS:
            continue
        default = None if info.default is PydanticUndefined else info.default
        out.append(
            ConfigField(
                name=api_name,
                required=info.is_required(),
                default=default,
                choices=literal_choices(info.annotation),
                boolean="bool" in str(info.annotation),
            )
        )
    return tuple(sorted(out, key=lambda f: not f.required))


def type_choices() -> list[tuple[str, str]]:
    return sorted(((t, type_label(t)) for t in DESTINATION_TYPES), key=lambda c: c[1].lower())
