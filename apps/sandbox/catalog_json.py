"""Catalog objects rendered the way OpenRouter renders them (prices as strings)."""

from __future__ import annotations

from typing import Any

from apps.sandbox.catalog import PROVIDERS, CatalogModel
from apps.sandbox.routing import ModelEndpoint

SITE = "https://openrouter.ai"


def price(value: float) -> str:
    """Prices are decimal strings without exponent, like upstream ("0.0000025")."""
    if not value:
        return "0"
    return f"{value:.12f}".rstrip("0").rstrip(".")


def pricing_json(model: CatalogModel) -> dict[str, str]:
    pricing = {"prompt": price(model.prompt_price), "completion": price(model.completion_price)}
    if model.kind == "chat" and model.prompt_price:
        pricing["input_cache_read"] = price(model.prompt_price / 4)
    if model.kind in ("image",) or "image" in model.output_modalities:
        pricing["image_output"] = price(model.unit_price)
    if model.kind in ("rerank", "video"):
        pricing["request"] = price(model.unit_price)
    if model.kind == "transcription":
        pricing["audio"] = price(model.unit_price)
    return pricing


def _modality(model: CatalogModel) -> str:
    return f"{'+'.join(model.input_modalities)}->{'+'.join(model.output_modalities)}"


def architecture_json(model: CatalogModel) -> dict[str, Any]:
    return {
        "modality": _modality(model),
        "input_modalities": list(model.input_modalities),
        "output_modalities": list(model.output_modalities),
        "tokenizer": model.tokenizer,
        "instruct_type": None,
    }


def model_json(model: CatalogModel) -> dict[str, Any]:
    reasoning = "reasoning" in model.supported_parameters
    data: dict[str, Any] = {
        "id": model.id,
        "canonical_slug": model.permaslug,
        "hugging_face_id": None,
        "name": model.name,
        "created": model.created,
        "description": model.description,
        "context_length": model.context_length,
        "architecture": architecture_json(model),
        "pricing": pricing_json(model),
        "top_provider": {
            "context_length": model.context_length,
            "max_completion_tokens": model.max_completion_tokens,
            "is_moderated": model.provider in ("openai", "anthropic"),
        },
        "per_request_limits": None,
        "supported_parameters": list(model.supported_parameters),
        "default_parameters": {"temperature": None, "top_p": None, "frequency_penalty": None}
        if model.kind == "chat"
        else None,
        "supported_voices": list(model.extra["voices"]) if "voices" in model.extra else None,
        "knowledge_cutoff": None,
        "expiration_date": None,
        "links": {"details": f"/api/v1/models/{model.id}/endpoints"},
    }
    if model.kind == "chat":
        data["reasoning"] = {
            "mandatory": False,
            "default_enabled": reasoning,
            "supported_efforts": ["high", "medium", "low"] if reasoning else None,
            "supports_max_tokens": reasoning,
        }
    return data


def endpoint_json(endpoint: ModelEndpoint) -> dict[str, Any]:
    """One provider endpoint of a model (``/models/{a}/{s}/endpoints``, ``/endpoints/zdr``)."""
    model = endpoint.model
    provider = PROVIDERS[endpoint.provider]
    return {
        "name": f"{provider.name} | {model.permaslug}",
        "model_id": model.id,
        "model_name": model.name,
        "context_length": model.context_length,
        "pricing": pricing_json(model),
        "provider_name": provider.name,
        "tag": provider.slug,
        "quantization": "fp8" if provider.slug in ("deepinfra", "together", "fireworks") else None,
        "max_completion_tokens": model.max_completion_tokens,
        "max_prompt_tokens": None,
        "supported_parameters": list(model.supported_parameters),
        "supports_tool_choice": dict.fromkeys(
            ("auto", "function", "none", "required"), "tool_choice" in model.supported_parameters
        ),
        "supports_diarization": False,
        "native_tools": {},
        "service_tier": None,
        "status": 0,
        "uptime_last_30m": 99.8,
        "uptime_last_5m": 100.0,
        "uptime_last_1d": 99.6,
        "supports_implicit_caching": provider.slug in ("openai", "deepseek", "google-vertex"),
        "latency_last_30m": {"p50": 420.0, "p75": 610.0, "p90": 880.0, "p99": 1900.0},
        "throughput_last_30m": {"p50": 85.0, "p75": 110.0, "p90": 140.0, "p99": 190.0},
    }


def provider_json(slug: str) -> dict[str, Any]:
    provider = PROVIDERS[slug]
    return {
        "name": provider.name,
        "slug": provider.slug,
        "privacy_policy_url": provider.privacy_policy_url,
        "terms_of_service_url": f"https://{provider.slug}.example/terms",
        "status_page_url": f"https://status.{provider.slug}.example",
        "headquarters": provider.headquarters,
        "datacenters": [provider.headquarters],
    }


def image_model_json(model: CatalogModel) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": model.name,
        "description": model.description,
        "created": model.created,
        "architecture": {
            "input_modalities": list(model.input_modalities),
            "output_modalities": list(model.output_modalities),
        },
        "supported_parameters": {
            "seed": {"type": "boolean"},
            "aspect_ratio": {"type": "enum", "values": ["1:1", "16:9", "9:16", "4:3", "3:4"]},
        },
        "supports_streaming": False,
        "endpoints": f"/api/v1/images/models/{model.id}/endpoints",
    }


def image_endpoint_json(model: CatalogModel) -> dict[str, Any]:
    provider = PROVIDERS[model.provider]
    return {
        "provider_name": provider.name,
        "provider_slug": provider.slug,
        "provider_tag": provider.slug,
        "pricing": [{"billable": "output_image", "cost_usd": model.unit_price, "unit": "image"}],
        "supported_parameters": {"seed": {"type": "boolean"}},
        "allowed_passthrough_parameters": [],
        "supports_streaming": False,
    }


def video_model_json(model: CatalogModel) -> dict[str, Any]:
    caps = model.extra.get("video", {})
    return {
        "id": model.id,
        "canonical_slug": model.permaslug,
        "name": model.name,
        "created": model.created,
        "hugging_face_id": None,
        "supported_resolutions": list(caps.get("resolutions", ("480p", "720p", "1080p"))),
        "supported_durations": list(caps.get("durations", (4, 6, 8))),
        "supported_aspect_ratios": list(caps.get("aspect_ratios", ("16:9", "9:16", "1:1"))),
        "supported_sizes": None,
        "supported_frame_images": list(caps.get("frame_images", ("first_frame", "last_frame"))),
        "generate_audio": bool(caps.get("generate_audio", False)),
        "seed": "seed" in model.supported_parameters,
        "creativity": None,
        "upscale_factor": None,
        "allowed_passthrough_parameters": [],
        "pricing_skus": {"per_second": price(model.unit_price)},
    }
