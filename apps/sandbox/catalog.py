"""The sandbox's fixed model catalog: real-looking models, providers and prices.

Prices are USD per token (as OpenRouter publishes them, as strings in the API); media
models carry a per-unit price instead (``unit_price``: per image, per video second, per
audio second, per rerank search unit). The first twelve entries are the chat models the
demo loader spreads activity over, so their order is part of the seed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

_NS = uuid.UUID("6f1c2b8e-4a4e-4b6b-9a57-0c1d2e3f4a5b")

CHAT_PARAMS = (
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "response_format",
    "structured_outputs",
    "tools",
    "tool_choice",
)
REASONING_PARAMS = (*CHAT_PARAMS, "reasoning", "include_reasoning")
OPEN_PARAMS = (*CHAT_PARAMS, "top_k", "min_p", "repetition_penalty", "logit_bias", "logprobs")


def endpoint_uuid(permaslug: str, provider: str) -> str:
    """A stable id for one provider's endpoint of one model."""
    return str(uuid.uuid5(_NS, f"{permaslug}:{provider}"))


@dataclass(frozen=True)
class Provider:
    slug: str
    name: str  # display name, one of OpenRouter's ProviderName values
    headquarters: str = "US"
    zdr: bool = False  # its endpoints retain no prompts (listed by /endpoints/zdr)
    regions: tuple[str, ...] = ("us",)  # data regions its infrastructure serves in-region

    @property
    def privacy_policy_url(self) -> str:
        return f"https://{self.slug}.example/privacy"


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
    kind: str = "chat"  # chat | embedding | rerank | image | video | speech | transcription
    input_modalities: tuple[str, ...] = ("text",)
    output_modalities: tuple[str, ...] = ("text",)
    supported_parameters: tuple[str, ...] = CHAT_PARAMS
    categories: tuple[str, ...] = ()
    max_completion_tokens: int | None = 32768
    unit_price: float = 0.0  # per image / video second / audio second / search unit
    tokenizer: str = "Other"
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def endpoint_id(self) -> str:
        """The id of the endpoint of its primary provider (``routing.py`` has the others)."""
        return endpoint_uuid(self.permaslug, self.provider)

    @property
    def author(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def description(self) -> str:
        return f"{self.name} served in the OpenRouter sandbox by {PROVIDERS[self.provider].name}."


# ZDR and regions follow OpenRouter's documentation: first-party OpenAI, Anthropic and Google
# AI Studio endpoints retain prompts (Azure, Bedrock and Vertex do not); regional traffic
# (eu./us. domains) only reaches providers with infrastructure in that region.
PROVIDERS = {
    p.slug: p
    for p in [
        Provider("openai", "OpenAI"),
        Provider("anthropic", "Anthropic"),
        Provider("google-vertex", "Google", zdr=True, regions=("us", "europe")),
        Provider("mistral", "Mistral", "FR", regions=("europe",)),
        Provider("deepinfra", "DeepInfra", zdr=True),
        Provider("together", "Together"),
        Provider("groq", "Groq", zdr=True),
        Provider("fireworks", "Fireworks"),
        Provider("cohere", "Cohere", "CA"),
        Provider("xai", "xAI"),
        Provider("deepseek", "DeepSeek", "CN", regions=()),
        Provider("black-forest-labs", "Black Forest Labs", "DE", regions=("europe",)),
        Provider("minimax", "Minimax", "CN", regions=()),
        Provider("azure", "Azure", zdr=True, regions=("us", "europe")),
        Provider("amazon-bedrock", "Amazon Bedrock", zdr=True, regions=("us", "europe")),
        Provider("google-ai-studio", "Google AI Studio"),
    ]
}


def _chat(id_, permaslug, name, provider, prompt, completion, context, created, **kw):
    return CatalogModel(id_, permaslug, name, provider, prompt, completion, context, created, **kw)


_CODE = ("programming", "technology")
_GENERAL = ("marketing", "translation", "trivia", "academia")

MODELS: list[CatalogModel] = [
    _chat(
        "openai/gpt-4.1",
        "openai/gpt-4.1-2025-04-14",
        "OpenAI: GPT-4.1",
        "openai",
        2e-06,
        8e-06,
        1047576,
        1744651385,
        input_modalities=("text", "image", "file"),
        categories=(*_CODE, "legal"),
        tokenizer="GPT",
    ),
    _chat(
        "openai/gpt-4.1-mini",
        "openai/gpt-4.1-mini-2025-04-14",
        "OpenAI: GPT-4.1 Mini",
        "openai",
        4e-07,
        1.6e-06,
        1047576,
        1744651381,
        input_modalities=("text", "image", "file"),
        categories=_GENERAL,
        tokenizer="GPT",
    ),
    _chat(
        "openai/gpt-4o-mini",
        "openai/gpt-4o-mini-2024-07-18",
        "OpenAI: GPT-4o-mini",
        "openai",
        1.5e-07,
        6e-07,
        128000,
        1721260800,
        input_modalities=("text", "image"),
        categories=("marketing", "seo"),
        tokenizer="GPT",
    ),
    _chat(
        "anthropic/claude-sonnet-4.5",
        "anthropic/claude-4.5-sonnet-20250929",
        "Anthropic: Claude Sonnet 4.5",
        "anthropic",
        3e-06,
        1.5e-05,
        1000000,
        1759161676,
        input_modalities=("text", "image", "file"),
        supported_parameters=REASONING_PARAMS,
        categories=(*_CODE, "finance"),
        tokenizer="Claude",
    ),
    _chat(
        "anthropic/claude-haiku-4.5",
        "anthropic/claude-4.5-haiku-20251001",
        "Anthropic: Claude Haiku 4.5",
        "anthropic",
        1e-06,
        5e-06,
        200000,
        1760547638,
        input_modalities=("text", "image"),
        supported_parameters=REASONING_PARAMS,
        categories=("roleplay", "marketing"),
        tokenizer="Claude",
    ),
    _chat(
        "google/gemini-2.5-pro",
        "google/gemini-2.5-pro",
        "Google: Gemini 2.5 Pro",
        "google-vertex",
        1.25e-06,
        1e-05,
        1048576,
        1750169544,
        input_modalities=("text", "image", "file", "audio", "video"),
        supported_parameters=REASONING_PARAMS,
        categories=("science", "academia", "health"),
        tokenizer="Gemini",
    ),
    _chat(
        "google/gemini-2.5-flash",
        "google/gemini-2.5-flash",
        "Google: Gemini 2.5 Flash",
        "google-vertex",
        3e-07,
        2.5e-06,
        1048576,
        1750172488,
        input_modalities=("text", "image", "file", "audio", "video"),
        supported_parameters=REASONING_PARAMS,
        categories=("translation", "trivia"),
        tokenizer="Gemini",
    ),
    _chat(
        "mistralai/mistral-medium-3.1",
        "mistralai/mistral-medium-3.1",
        "Mistral: Mistral Medium 3.1",
        "mistral",
        4e-07,
        2e-06,
        131072,
        1755095639,
        input_modalities=("text", "image"),
        categories=("translation", "legal"),
    ),
    _chat(
        "mistralai/codestral-2508",
        "mistralai/codestral-2508",
        "Mistral: Codestral 2508",
        "mistral",
        3e-07,
        9e-07,
        256000,
        1754079630,
        categories=_CODE,
    ),
    _chat(
        "meta-llama/llama-3.3-70b-instruct",
        "meta-llama/llama-3.3-70b-instruct",
        "Meta: Llama 3.3 70B Instruct",
        "deepinfra",
        1.3e-07,
        3.9e-07,
        131072,
        1733506137,
        supported_parameters=OPEN_PARAMS,
        categories=("roleplay", "trivia"),
    ),
    _chat(
        "deepseek/deepseek-chat-v3.1",
        "deepseek/deepseek-chat-v3.1",
        "DeepSeek: DeepSeek V3.1",
        "deepinfra",
        2.7e-07,
        1e-06,
        163840,
        1755779628,
        supported_parameters=OPEN_PARAMS,
        categories=(*_CODE, "science"),
    ),
    _chat(
        "qwen/qwen3-235b-a22b-2507",
        "qwen/qwen3-235b-a22b-07-25",
        "Qwen: Qwen3 235B A22B 2507",
        "together",
        1.3e-07,
        6e-07,
        262144,
        1753119555,
        supported_parameters=OPEN_PARAMS,
        categories=("academia", "translation"),
    ),
    # --- more chat models -------------------------------------------------------------
    _chat(
        "openai/gpt-5",
        "openai/gpt-5-2025-08-07",
        "OpenAI: GPT-5",
        "openai",
        1.25e-06,
        1e-05,
        400000,
        1754587413,
        input_modalities=("text", "image", "file"),
        supported_parameters=REASONING_PARAMS,
        categories=(*_CODE, "science", "finance"),
        max_completion_tokens=128000,
        tokenizer="GPT",
    ),
    _chat(
        "openai/o4-mini",
        "openai/o4-mini-2025-04-16",
        "OpenAI: o4 Mini",
        "openai",
        1.1e-06,
        4.4e-06,
        200000,
        1744820942,
        input_modalities=("text", "image"),
        supported_parameters=REASONING_PARAMS,
        categories=("science", "academia"),
        max_completion_tokens=100000,
        tokenizer="GPT",
    ),
    _chat(
        "anthropic/claude-opus-4.1",
        "anthropic/claude-4.1-opus-20250805",
        "Anthropic: Claude Opus 4.1",
        "anthropic",
        1.5e-05,
        7.5e-05,
        200000,
        1754411591,
        input_modalities=("text", "image", "file"),
        supported_parameters=REASONING_PARAMS,
        categories=(*_CODE, "legal"),
        tokenizer="Claude",
    ),
    _chat(
        "google/gemini-2.5-flash-lite",
        "google/gemini-2.5-flash-lite",
        "Google: Gemini 2.5 Flash Lite",
        "google-vertex",
        1e-07,
        4e-07,
        1048576,
        1753200276,
        input_modalities=("text", "image", "file", "audio"),
        categories=("translation", "seo"),
        tokenizer="Gemini",
    ),
    _chat(
        "x-ai/grok-4",
        "x-ai/grok-4-07-09",
        "xAI: Grok 4",
        "xai",
        3e-06,
        1.5e-05,
        256000,
        1752087689,
        input_modalities=("text", "image"),
        supported_parameters=REASONING_PARAMS,
        categories=("science", "trivia"),
        tokenizer="Grok",
    ),
    _chat(
        "x-ai/grok-code-fast-1",
        "x-ai/grok-code-fast-1",
        "xAI: Grok Code Fast 1",
        "xai",
        2e-07,
        1.5e-06,
        256000,
        1756238927,
        supported_parameters=REASONING_PARAMS,
        categories=_CODE,
        max_completion_tokens=10000,
        tokenizer="Grok",
    ),
    _chat(
        "mistralai/mistral-small-3.2-24b-instruct",
        "mistralai/mistral-small-3.2-24b-instruct-2506",
        "Mistral: Mistral Small 3.2 24B",
        "mistral",
        5e-08,
        1e-07,
        131072,
        1750443016,
        input_modalities=("text", "image"),
        categories=("marketing", "translation"),
    ),
    _chat(
        "meta-llama/llama-4-maverick",
        "meta-llama/llama-4-maverick-17b-128e-instruct",
        "Meta: Llama 4 Maverick",
        "groq",
        1.5e-07,
        6e-07,
        1048576,
        1743881822,
        input_modalities=("text", "image"),
        supported_parameters=OPEN_PARAMS,
        categories=("roleplay", "marketing"),
    ),
    _chat(
        "meta-llama/llama-3.1-8b-instruct",
        "meta-llama/llama-3.1-8b-instruct",
        "Meta: Llama 3.1 8B Instruct",
        "groq",
        2e-08,
        5e-08,
        131072,
        1721692800,
        supported_parameters=OPEN_PARAMS,
        categories=("trivia", "roleplay"),
    ),
    _chat(
        "deepseek/deepseek-r1-0528",
        "deepseek/deepseek-r1-0528",
        "DeepSeek: R1 0528",
        "deepseek",
        5e-07,
        2.15e-06,
        163840,
        1748455170,
        supported_parameters=(*OPEN_PARAMS, "reasoning", "include_reasoning"),
        categories=("science", "academia"),
    ),
    _chat(
        "qwen/qwen3-coder",
        "qwen/qwen3-coder-480b-a35b-07-25",
        "Qwen: Qwen3 Coder 480B A35B",
        "fireworks",
        2.2e-07,
        9.5e-07,
        262144,
        1753230546,
        supported_parameters=OPEN_PARAMS,
        categories=_CODE,
    ),
    _chat(
        "moonshotai/kimi-k2",
        "moonshotai/kimi-k2",
        "MoonshotAI: Kimi K2",
        "fireworks",
        6e-07,
        2.5e-06,
        131072,
        1752263252,
        supported_parameters=OPEN_PARAMS,
        categories=(*_CODE, "roleplay"),
    ),
    _chat(
        "cohere/command-a",
        "cohere/command-a-03-2025",
        "Cohere: Command A",
        "cohere",
        2.5e-06,
        1e-05,
        256000,
        1741894342,
        categories=("finance", "legal", "health"),
    ),
    _chat(
        "google/gemini-2.5-flash-image",
        "google/gemini-2.5-flash-image",
        "Google: Gemini 2.5 Flash Image (Nano Banana)",
        "google-vertex",
        3e-07,
        2.5e-06,
        32768,
        1759870431,
        input_modalities=("text", "image"),
        output_modalities=("image", "text"),
        categories=("marketing",),
        unit_price=0.039,
        tokenizer="Gemini",
    ),
    _chat(
        "openai/gpt-5-image-mini",
        "openai/gpt-5-image-mini",
        "OpenAI: GPT-5 Image Mini",
        "openai",
        2.5e-06,
        2e-06,
        400000,
        1760486400,
        input_modalities=("text", "image", "file"),
        output_modalities=("image", "text"),
        supported_parameters=REASONING_PARAMS,
        categories=("marketing",),
        max_completion_tokens=128000,
        unit_price=0.011,
        tokenizer="GPT",
    ),
    # --- embeddings ---------------------------------------------------------------------
    _chat(
        "openai/text-embedding-3-small",
        "openai/text-embedding-3-small",
        "OpenAI: Text Embedding 3 Small",
        "openai",
        2e-08,
        0.0,
        8192,
        1706140800,
        kind="embedding",
        output_modalities=("embeddings",),
        supported_parameters=(),
        max_completion_tokens=None,
        tokenizer="GPT",
    ),
    _chat(
        "openai/text-embedding-3-large",
        "openai/text-embedding-3-large",
        "OpenAI: Text Embedding 3 Large",
        "openai",
        1.3e-07,
        0.0,
        8192,
        1706140800,
        kind="embedding",
        output_modalities=("embeddings",),
        supported_parameters=(),
        max_completion_tokens=None,
        tokenizer="GPT",
    ),
    _chat(
        "mistralai/mistral-embed-2312",
        "mistralai/mistral-embed-2312",
        "Mistral: Mistral Embed 2312",
        "mistral",
        1e-07,
        0.0,
        8192,
        1702339200,
        kind="embedding",
        output_modalities=("embeddings",),
        supported_parameters=(),
        max_completion_tokens=None,
    ),
    _chat(
        "qwen/qwen3-embedding-8b",
        "qwen/qwen3-embedding-8b",
        "Qwen: Qwen3 Embedding 8B",
        "deepinfra",
        1e-08,
        0.0,
        32768,
        1749513600,
        kind="embedding",
        output_modalities=("embeddings",),
        supported_parameters=(),
        max_completion_tokens=None,
    ),
    _chat(
        "google/gemini-embedding-001",
        "google/gemini-embedding-001",
        "Google: Gemini Embedding 001",
        "google-vertex",
        1.5e-07,
        0.0,
        20000,
        1752710400,
        kind="embedding",
        output_modalities=("embeddings",),
        supported_parameters=(),
        max_completion_tokens=None,
        tokenizer="Gemini",
    ),
    # --- rerank -------------------------------------------------------------------------
    _chat(
        "cohere/rerank-v3.5",
        "cohere/rerank-v3.5",
        "Cohere: Rerank 3.5",
        "cohere",
        0.0,
        0.0,
        4096,
        1733184000,
        kind="rerank",
        output_modalities=("rerank",),
        supported_parameters=(),
        max_completion_tokens=None,
        unit_price=0.002,
    ),
    _chat(
        "cohere/rerank-multilingual-v3.0",
        "cohere/rerank-multilingual-v3.0",
        "Cohere: Rerank Multilingual 3.0",
        "cohere",
        0.0,
        0.0,
        4096,
        1712016000,
        kind="rerank",
        output_modalities=("rerank",),
        supported_parameters=(),
        max_completion_tokens=None,
        unit_price=0.002,
    ),
    # --- images -------------------------------------------------------------------------
    _chat(
        "black-forest-labs/flux-1.1-pro",
        "black-forest-labs/flux-1.1-pro",
        "Black Forest Labs: FLUX 1.1 [pro]",
        "black-forest-labs",
        0.0,
        0.0,
        4096,
        1727740800,
        kind="image",
        output_modalities=("image",),
        supported_parameters=("seed",),
        max_completion_tokens=None,
        unit_price=0.04,
        tokenizer="Media",
    ),
    _chat(
        "black-forest-labs/flux-schnell",
        "black-forest-labs/flux-1-schnell",
        "Black Forest Labs: FLUX.1 [schnell]",
        "together",
        0.0,
        0.0,
        4096,
        1722470400,
        kind="image",
        output_modalities=("image",),
        supported_parameters=("seed",),
        max_completion_tokens=None,
        unit_price=0.003,
        tokenizer="Media",
    ),
    _chat(
        "openai/gpt-image-1",
        "openai/gpt-image-1",
        "OpenAI: GPT Image 1",
        "openai",
        5e-06,
        4e-05,
        32000,
        1745366400,
        kind="image",
        input_modalities=("text", "image"),
        output_modalities=("image",),
        supported_parameters=(),
        max_completion_tokens=None,
        unit_price=0.042,
        tokenizer="GPT",
    ),
    # --- video --------------------------------------------------------------------------
    _chat(
        "google/veo-3.1",
        "google/veo-3.1",
        "Google: Veo 3.1",
        "google-vertex",
        0.0,
        0.0,
        4096,
        1760486400,
        kind="video",
        input_modalities=("text", "image"),
        output_modalities=("video",),
        supported_parameters=("seed",),
        max_completion_tokens=None,
        unit_price=0.4,
        extra={
            "video": {
                "resolutions": ("720p", "1080p"),
                "durations": (4, 6, 8),
                "aspect_ratios": ("16:9", "9:16"),
                "frame_images": ("first_frame", "last_frame"),
                "generate_audio": True,
            }
        },
        tokenizer="Media",
    ),
    _chat(
        "openai/sora-2",
        "openai/sora-2",
        "OpenAI: Sora 2",
        "openai",
        0.0,
        0.0,
        4096,
        1759276800,
        kind="video",
        input_modalities=("text", "image"),
        output_modalities=("video",),
        supported_parameters=(),
        max_completion_tokens=None,
        unit_price=0.1,
        extra={
            "video": {
                "resolutions": ("720p",),
                "durations": (4, 8, 12),
                "aspect_ratios": ("16:9", "9:16"),
                "frame_images": ("first_frame",),
                "generate_audio": True,
            }
        },
        tokenizer="Media",
    ),
    _chat(
        "minimax/hailuo-02",
        "minimax/hailuo-02",
        "MiniMax: Hailuo 02",
        "minimax",
        0.0,
        0.0,
        4096,
        1750291200,
        kind="video",
        input_modalities=("text", "image"),
        output_modalities=("video",),
        supported_parameters=(),
        max_completion_tokens=None,
        unit_price=0.045,
        extra={
            "video": {
                "resolutions": ("480p", "768p", "1080p"),
                "durations": (6, 10),
                "aspect_ratios": ("16:9", "1:1", "9:16"),
                "frame_images": ("first_frame", "last_frame"),
                "generate_audio": False,
            }
        },
        tokenizer="Media",
    ),
    # --- audio --------------------------------------------------------------------------
    _chat(
        "openai/gpt-4o-mini-tts",
        "openai/gpt-4o-mini-tts-2025-03-20",
        "OpenAI: GPT-4o mini TTS",
        "openai",
        6e-07,
        1.2e-05,
        2000,
        1742428800,
        kind="speech",
        output_modalities=("speech",),
        supported_parameters=(),
        max_completion_tokens=None,
        tokenizer="GPT",
        extra={"voices": ("alloy", "ash", "coral", "echo", "nova", "sage", "shimmer")},
    ),
    _chat(
        "openai/whisper-1",
        "openai/whisper-1",
        "OpenAI: Whisper",
        "openai",
        0.0,
        0.0,
        4096,
        1677628800,
        kind="transcription",
        input_modalities=("audio",),
        output_modalities=("transcription",),
        supported_parameters=("temperature",),
        max_completion_tokens=None,
        unit_price=0.0001,
        tokenizer="GPT",
    ),
    _chat(
        "openai/gpt-4o-transcribe",
        "openai/gpt-4o-transcribe",
        "OpenAI: GPT-4o Transcribe",
        "openai",
        2.5e-06,
        1e-05,
        16000,
        1742428800,
        kind="transcription",
        input_modalities=("audio",),
        output_modalities=("transcription",),
        supported_parameters=("temperature",),
        max_completion_tokens=None,
        unit_price=0.0001,
        tokenizer="GPT",
    ),
]

MODELS_BY_ID = {m.id: m for m in MODELS}


def find_model(
    model_id: str | None, *, kinds: tuple[str, ...] | None = None
) -> CatalogModel | None:
    """A model by id or permaslug (``:variant`` suffixes ignored), optionally of given kinds."""
    if not model_id:
        return None
    base = model_id.split(":", 1)[0]
    model = MODELS_BY_ID.get(base) or next((m for m in MODELS if m.permaslug == base), None)
    if model is None or (kinds is not None and model.kind not in kinds):
        return None
    return model
