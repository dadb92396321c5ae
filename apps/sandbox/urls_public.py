"""Catalog, inference, video jobs, files and PKCE routes (included from ``urls.py``)."""

from __future__ import annotations

from django.urls import path, re_path

from apps.sandbox.content_filters import screened
from apps.sandbox.views import auth_keys, catalog, files, inference, videos

urlpatterns = [
    # catalog
    path("models", catalog.models_list, name="models"),
    path("models/count", catalog.models_count, name="models-count"),
    path("models/user", catalog.models_user, name="models-user"),
    path(
        "models/<str:author>/<str:slug>/endpoints", catalog.model_endpoints, name="model-endpoints"
    ),
    path("model/<str:author>/<str:slug>", catalog.model_detail, name="model"),
    path("providers", catalog.providers, name="providers"),
    path("endpoints/zdr", catalog.zdr_endpoints, name="zdr-endpoints"),
    path("embeddings/models", catalog.embedding_models, name="embedding-models"),
    path("images/models", catalog.image_models, name="image-models"),
    path(
        "images/models/<str:author>/<str:slug>/endpoints",
        catalog.image_model_endpoints,
        name="image-model-endpoints",
    ),
    path("videos/models", catalog.video_models, name="video-models"),
    path("benchmarks", catalog.benchmarks, name="benchmarks"),
    path("classifications/task", catalog.task_classifications, name="classifications"),
    path("datasets/app-rankings", catalog.app_rankings, name="app-rankings"),
    path("datasets/rankings-daily", catalog.rankings_daily, name="rankings-daily"),
    # inference: guardrail content filters redact the body before the view reads it
    path("chat/completions", screened(inference.chat_completions), name="chat-completions"),
    path("messages", screened(inference.messages), name="messages"),
    path("responses", screened(inference.responses), name="responses"),
    path("embeddings", screened(inference.embeddings), name="embeddings"),
    path("rerank", screened(inference.rerank), name="rerank"),
    path("audio/speech", screened(inference.speech), name="audio-speech"),
    path("audio/transcriptions", screened(inference.transcriptions), name="audio-transcriptions"),
    path("images", screened(inference.images), name="images"),
    path("credits/coinbase", inference.coinbase_gone, name="credits-coinbase"),
    # jobs and files
    path("videos", screened(videos.videos_create), name="videos"),
    path("videos/<str:job_id>", videos.video_detail, name="video"),
    path("videos/<str:job_id>/content", videos.video_content, name="video-content"),
    path("files", files.files_collection, name="files"),
    path("files/<str:file_id>", files.file_item, name="file"),
    path("files/<str:file_id>/content", files.file_content, name="file-content"),
    # OAuth PKCE
    path("auth/keys/code", auth_keys.auth_code_create, name="auth-keys-code"),
    path("auth/keys", auth_keys.auth_keys_exchange, name="auth-keys"),
    # Last of all sandbox routes (this URLconf is included last): a JSON 404 for the rest.
    re_path(r"^(?P<rest>.*)$", catalog.unknown_route, name="unknown-route"),
]
