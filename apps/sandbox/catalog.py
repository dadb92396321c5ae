"""The sandbox's fixed model catalog: real-looking models, providers and prices.

Prices are USD per token (as OpenRouter publishes them, as strings in the API).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

_NS = uuid.UUID("6f1c2b8e-4a4e-4b6b-9a57-0c1d2e3f4a5b")


@dataclass(frozen=True)
class Provider:
    slug: str
    name: str


@dataclass(frozen=True)
class CatalogModel:
    id: str  # author/slug
    permaslug: str
    name: str
    provider: str  # provider slug serving it in the sandbox
    prompt_price: float  # USD per token
    completion_price: float
    context_length: int
    created: int  # unix seconds

    @property
    def endpoint_id(self) -> str:
        return str(uuid.uuid5(_NS, f"{self.permaslug}:{self.provider}"))


PROVIDERS = {
    p.slug: p
    for p in [
        Provider("openai", "OpenAI"),
        Provider("anthropic", "Anthropic"),
        Provider("google-vertex", "Google Vertex"),
        Provider("mistral", "Mistral"),
        Provider("deepinfra", "DeepInfra"),
        Provider("together", "Together"),
    ]
}

MODELS: list[CatalogModel] = [
    CatalogModel(
        "openai/gpt-4.1",
        "openai/gpt-4.1-2025-04-14",
        "OpenAI: GPT-4.1",
        "openai",
        2e-06,
        8e-06,
        1047576,
        1744651385,
    ),
    CatalogModel(
        "openai/gpt-4.1-mini",
        "openai/gpt-4.1-mini-2025-04-14",
        "OpenAI: GPT-4.1 Mini",
        "openai",
        4e-07,
        1.6e-06,
        1047576,
        1744651381,
    ),
    CatalogModel(
        "openai/gpt-4o-mini",
        "openai/gpt-4o-mini-2024-07-18",
        "OpenAI: GPT-4o-mini",
        "openai",
        1.5e-07,
        6e-07,
        128000,
        1721260800,
    ),
    CatalogModel(
        "anthropic/claude-sonnet-4.5",
        "anthropic/claude-4.5-sonnet-20250929",
        "Anthropic: Claude Sonnet 4.5",
        "anthropic",
        3e-06,
        1.5e-05,
        1000000,
        1759161676,
    ),
    CatalogModel(
        "anthropic/claude-haiku-4.5",
        "anthropic/claude-4.5-haiku-20251001",
        "Anthropic: Claude Haiku 4.5",
        "anthropic",
        1e-06,
        5e-06,
        200000,
        1760547638,
    ),
    CatalogModel(
        "google/gemini-2.5-pro",
        "google/gemini-2.5-pro",
        "Google: Gemini 2.5 Pro",
        "google-vertex",
        1.25e-06,
        1e-05,
        1048576,
        1750169544,
    ),
    CatalogModel(
        "google/gemini-2.5-flash",
        "google/gemini-2.5-flash",
        "Google: Gemini 2.5 Flash",
        "google-vertex",
        3e-07,
        2.5e-06,
        1048576,
        1750172488,
    ),
    CatalogModel(
        "mistralai/mistral-medium-3.1",
        "mistralai/mistral-medium-3.1",
        "Mistral: Mistral Medium 3.1",
        "mistral",
        4e-07,
        2e-06,
        131072,
        1755095639,
    ),
    CatalogModel(
        "mistralai/codestral-2508",
        "mistralai/codestral-2508",
        "Mistral: Codestral 2508",
        "mistral",
        3e-07,
        9e-07,
        256000,
        1754079630,
    ),
    CatalogModel(
        "meta-llama/llama-3.3-70b-instruct",
        "meta-llama/llama-3.3-70b-instruct",
        "Meta: Llama 3.3 70B Instruct",
        "deepinfra",
        1.3e-07,
        3.9e-07,
        131072,
        1733506137,
    ),
    CatalogModel(
        "deepseek/deepseek-chat-v3.1",
        "deepseek/deepseek-chat-v3.1",
        "DeepSeek: DeepSeek V3.1",
        "deepinfra",
        2.7e-07,
        1e-06,
        163840,
        1755779628,
    ),
    CatalogModel(
        "qwen/qwen3-235b-a22b-2507",
        "qwen/qwen3-235b-a22b-07-25",
        "Qwen: Qwen3 235B A22B 2507",
        "together",
        1.3e-07,
        6e-07,
        262144,
        1753119555,
    ),
]

MODELS_BY_ID = {m.id: m for m in MODELS}
