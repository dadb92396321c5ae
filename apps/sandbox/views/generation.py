"""``GET /generation``, ``GET /generation/content`` and ``POST /generation/feedback``."""

from __future__ import annotations

from apps.sandbox.http import ApiError, Caller, endpoint, field, iso, json_body, ok
from apps.sandbox.models import Generation

FEEDBACK_CATEGORIES = (
    "latency",
    "incoherence",
    "incorrect_response",
    "formatting",
    "billing",
    "api_error",
    "other",
)
_NULLABLE = (
    "api_type",
    "app_id",
    "cache_discount",
    "cancelled",
    "external_user",
    "finish_reason",
    "generation_time",
    "http_referer",
    "latency",
    "moderation_latency",
    "native_finish_reason",
    "native_tokens_cached",
    "native_tokens_completion",
    "native_tokens_completion_images",
    "native_tokens_prompt",
    "native_tokens_reasoning",
    "num_fetches",
    "num_input_audio_prompt",
    "num_media_completion",
    "num_media_prompt",
    "num_search_results",
    "preset_id",
    "provider_name",
    "provider_responses",
    "request_id",
    "response_cache_source_id",
    "router",
    "service_tier",
    "session_id",
    "streamed",
    "tokens_completion",
    "tokens_prompt",
    "upstream_id",
    "upstream_inference_cost",
    "user_agent",
    "web_search_engine",
)


def generation_json(g: Generation) -> dict:
    return {
        "id": g.id,
        "created_at": iso(g.created_at),
        "model": g.model,
        "origin": g.origin,
        "total_cost": g.total_cost,
        "usage": g.usage,
        "is_byok": g.is_byok,
        "data_region": g.data_region,
        "workspace_id": str(g.workspace_id) if g.workspace_id else None,
        **{name: getattr(g, name) for name in _NULLABLE},
    }


def _generation(request, caller: Caller) -> Generation:
    gen_id = request.GET.get("id")
    if not gen_id:
        raise ApiError(400, "id is required")
    # Responses and Messages ids wrap the generation id (resp_gen-…, msg_gen-…).
    stored_id = gen_id.removeprefix("resp_").removeprefix("msg_")
    generation = Generation.objects.filter(account=caller.account, id=stored_id).first()
    if generation is None:
        raise ApiError(404, f"Generation {gen_id} not found")
    return generation


@endpoint(auth="key")
def generation(request, caller: Caller):
    return ok(generation_json(_generation(request, caller)))


@endpoint(auth="key")
def generation_content(request, caller: Caller):
    g = _generation(request, caller)
    if g.content_input is None:
        raise ApiError(404, "Content for this generation was not stored")
    output = g.content_output or {}
    return ok(
        {
            "input": g.content_input,
            "output": {
                "completion": output.get("completion"),
                "reasoning": output.get("reasoning"),
            },
            "error": g.content_error,
        }
    )


@endpoint(auth="management", methods=("POST",))
def feedback(request, caller: Caller):
    body = json_body(request)
    gen_id = field(body, "generation_id", str, required=True)
    field(body, "category", str, required=True, choices=FEEDBACK_CATEGORIES)
    comment = field(body, "comment", str)
    if comment is not None and len(comment) > 5000:
        raise ApiError(400, "comment must be at most 5000 characters")
    if not Generation.objects.filter(account=caller.account, id=gen_id).exists():
        raise ApiError(404, f"Generation {gen_id} not found")
    return ok({"success": True})
