"""Shared by the sandbox proof suites: the lap endpoint list, an SDK wired to the
in-process sandbox that records every exchange, and one call per lap endpoint.

``CALLS`` maps each of the 88 ``(method, path)`` pairs of ``openrouter-api.lap`` to a
function that performs it through the official ``openrouter`` SDK (or, for the two
routes the SDK lacks, through the SDK's own HTTP client).
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import httpx
from openrouter import OpenRouter

from apps.gateway.transport import _in_process_app
from apps.sandbox.keys_service import key_insert
from apps.sandbox.models import Account, Member, SandboxFile, Workspace
from tests.shared_spec import SHARED_DIR

SERVER = "http://testserver/sandbox/api/v1"
PATH_PREFIX = "/sandbox/api/v1"
LAP_FILE = SHARED_DIR / "openrouter-api.lap"

_ENDPOINT = re.compile(r"^@endpoint (GET|POST|PUT|PATCH|DELETE) (\S+)$")
_ERRORS = re.compile(r"^@errors \{([^}]*)\}$")


@dataclass(frozen=True)
class LapEndpoint:
    method: str
    path: str
    errors: frozenset[int]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def lap_endpoints() -> list[LapEndpoint]:
    """The ``@endpoint`` blocks of the lap file with their declared ``@errors``."""
    found: list[LapEndpoint] = []
    current: tuple[str, str] | None = None
    for line in LAP_FILE.read_text().splitlines():
        if match := _ENDPOINT.match(line.strip()):
            if current:
                found.append(LapEndpoint(*current, frozenset()))
            current = (match[1], match[2])
        elif (match := _ERRORS.match(line.strip())) and current:
            codes = frozenset(int(c) for c in match[1].split(",") if c.strip())
            found.append(LapEndpoint(*current, codes))
            current = None
    if current:
        found.append(LapEndpoint(*current, frozenset()))
    return found


# --- an SDK whose every exchange is recorded ----------------------------------------------


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict
    request_body: bytes
    status: int
    headers: dict
    body: bytes


class RecordingTransport(httpx.BaseTransport):
    def __init__(self, log: list[Exchange]) -> None:
        self.inner = httpx.WSGITransport(app=_in_process_app())
        self.log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        response = self.inner.handle_request(request)
        body = response.read()
        self.log.append(
            Exchange(
                request.method,
                str(request.url),
                dict(request.headers),
                request.content,
                response.status_code,
                dict(response.headers),
                body,
            )
        )
        return response


def make_sdk(api_key: str | None, log: list[Exchange]) -> OpenRouter:
    client = httpx.Client(transport=RecordingTransport(log))
    return OpenRouter(
        api_key=api_key or "",
        server_url=SERVER,
        client=client,
        async_client=httpx.AsyncClient(),
        retry_config=None,
    )


def raw(sdk: OpenRouter, method: str, path: str, **kwargs) -> httpx.Response:
    """For routes the SDK has no method for: its own HTTP client and auth header."""
    client: httpx.Client = sdk.sdk_configuration.client
    headers = kwargs.pop("headers", {})
    key = sdk.sdk_configuration.security
    token = getattr(key, "api_key", None) if key is not None else None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.request(method, f"{SERVER}{path}", headers=headers, **kwargs)


# --- the world a call runs in -------------------------------------------------------------


@dataclass
class World:
    account: Account
    management_secret: str
    log: list[Exchange] = field(default_factory=list)

    @cached_property
    def workspace(self) -> Workspace:
        return Workspace.objects.get(account=self.account, is_default=True)

    @cached_property
    def member(self) -> Member:
        return self.account.members.order_by("created_at", "id").first()

    @cached_property
    def key_secret(self) -> str:
        _key, secret = key_insert(
            self.account, self.workspace, name="conformance", creator_user_id=self.member.user_id
        )
        return secret

    @cached_property
    def mgmt(self) -> OpenRouter:
        return make_sdk(self.management_secret, self.log)

    @cached_property
    def sdk(self) -> OpenRouter:
        return make_sdk(self.key_secret, self.log)

    def sdk_with(self, api_key: str | None) -> OpenRouter:
        return make_sdk(api_key, self.log)

    # objects some calls need, created on first use
    @cached_property
    def key_hash(self) -> str:
        return self.mgmt.api_keys.create(name="conformance target").data.hash

    @cached_property
    def byok_id(self) -> str:
        return self.mgmt.byok.create(provider="openai", key="sk-conformance-1234567890").data.id

    @cached_property
    def guardrail_id(self) -> str:
        return self.mgmt.guardrails.create(name="conformance guardrail").data.id

    @cached_property
    def destination_id(self) -> str:
        created = self.mgmt.observability.create(
            type_="webhook",
            name="conformance hook",
            config={"url": "https://hooks.example/or"},
        )
        return created.data.id

    @cached_property
    def workspace_id(self) -> str:
        return self.mgmt.workspaces.create(name="Conformance", slug="conformance").data.id

    @cached_property
    def preset_slug(self) -> str:
        self.sdk.presets.create_presets_chat_completions(
            slug="conformance-preset",
            messages=[{"role": "system", "content": "Be brief."}],
            model="openai/gpt-4o-mini",
        )
        return "conformance-preset"

    @cached_property
    def generation_id(self) -> str:
        return chat(self).id

    @cached_property
    def file_id(self) -> str:
        return self.sdk.files.upload(file={"file_name": "notes.txt", "content": b"hello"}).id

    @cached_property
    def server_file_id(self) -> str:
        """A server-created (downloadable) file, as batch or video outputs would be."""
        f = SandboxFile.objects.create(
            file_id=f"or_file_{uuid.uuid4().hex[:24]}",
            account=self.account,
            workspace=self.workspace,
            filename="output.jsonl",
            mime_type="application/jsonl",
            size_bytes=3,
            content=b"{}\n",
            downloadable=True,
        )
        return f.file_id

    @cached_property
    def video_id(self) -> str:
        return self.sdk.video_generation.generate(model="openai/sora-2", prompt="a lighthouse").id


MSG = [{"role": "user", "content": "Say hello to the sandbox"}]
WAV = base64.b64encode(b"RIFF" + bytes(4) + b"WAVE" + bytes(3200)).decode()


def chat(w: World):
    return w.sdk.chat.send(messages=MSG, model="openai/gpt-4o-mini")


Call = Callable[[World], object]

CALLS: dict[str, Call] = {
    "GET /activity": lambda w: w.mgmt.analytics.get_user_activity(),
    "GET /analytics/meta": lambda w: w.mgmt.analytics.get_analytics_meta(),
    "POST /analytics/query": lambda w: w.mgmt.analytics.query_analytics(metrics=["request_count"]),
    "POST /audio/speech": lambda w: w.sdk.tts.create_speech(
        input="Hello there", model="openai/gpt-4o-mini-tts", voice="alloy"
    ),
    "POST /audio/transcriptions": lambda w: w.sdk.stt.create_transcription(
        input_audio={"data": WAV, "format": "wav"}, model="openai/whisper-1"
    ),
    "POST /auth/keys": lambda w: w.sdk_with(None).o_auth.exchange_auth_code_for_api_key(
        code=w.sdk.o_auth.create_auth_code(callback_url="https://app.example/cb").data.id
    ),
    "POST /auth/keys/code": lambda w: w.sdk.o_auth.create_auth_code(
        callback_url="https://app.example/cb"
    ),
    "GET /benchmarks": lambda w: w.sdk.benchmarks.get_benchmarks(),
    "GET /byok": lambda w: w.mgmt.byok.list(),
    "POST /byok": lambda w: w.mgmt.byok.create(provider="anthropic", key="sk-ant-conformance"),
    "DELETE /byok/{id}": lambda w: w.mgmt.byok.delete(id=w.byok_id),
    "GET /byok/{id}": lambda w: w.mgmt.byok.get(id=w.byok_id),
    "PATCH /byok/{id}": lambda w: w.mgmt.byok.update(id=w.byok_id, name="renamed"),
    "POST /chat/completions": chat,
    "GET /classifications/task": lambda w: w.sdk.classifications.get_task_classifications(),
    "GET /credits": lambda w: w.mgmt.credits.get_credits(),
    "POST /credits/coinbase": lambda w: raw(w.sdk, "POST", "/credits/coinbase", json={}),
    "GET /datasets/app-rankings": lambda w: w.sdk.datasets.get_app_rankings(),
    "GET /datasets/rankings-daily": lambda w: w.sdk.datasets.get_rankings_daily(),
    "POST /embeddings": lambda w: w.sdk.embeddings.generate(
        input="hello", model="openai/text-embedding-3-small"
    ),
    "GET /embeddings/models": lambda w: w.sdk.embeddings.list_models(),
    "GET /endpoints/zdr": lambda w: w.sdk.endpoints.list_zdr_endpoints(),
    "GET /files": lambda w: (w.file_id, w.sdk.files.list())[1],
    "POST /files": lambda w: w.sdk.files.upload(
        file={"file_name": "a.pdf", "content": b"%PDF-1.4"}
    ),
    "DELETE /files/{file_id}": lambda w: w.sdk.files.delete(file_id=w.file_id),
    "GET /files/{file_id}": lambda w: w.sdk.files.retrieve(file_id=w.file_id),
    "GET /files/{file_id}/content": lambda w: w.sdk.files.download(file_id=w.server_file_id),
    "GET /generation": lambda w: w.sdk.generations.get_generation(id=w.generation_id),
    "GET /generation/content": lambda w: w.sdk.generations.list_generation_content(
        id=w.generation_id
    ),
    "GET /guardrails": lambda w: w.mgmt.guardrails.list(),
    "POST /guardrails": lambda w: w.mgmt.guardrails.create(name="another guardrail"),
    "DELETE /guardrails/{id}": lambda w: w.mgmt.guardrails.delete(id=w.guardrail_id),
    "GET /guardrails/{id}": lambda w: w.mgmt.guardrails.get(id=w.guardrail_id),
    "PATCH /guardrails/{id}": lambda w: w.mgmt.guardrails.update(id=w.guardrail_id, name="x"),
    "GET /guardrails/{id}/assignments/keys": lambda w: (
        w.mgmt.guardrails.list_guardrail_key_assignments(id=w.guardrail_id)
    ),
    "POST /guardrails/{id}/assignments/keys": lambda w: w.mgmt.guardrails.bulk_assign_keys(
        id=w.guardrail_id, key_hashes=[w.key_hash]
    ),
    "POST /guardrails/{id}/assignments/keys/remove": lambda w: w.mgmt.guardrails.bulk_unassign_keys(
        id=w.guardrail_id, key_hashes=[w.key_hash]
    ),
    "GET /guardrails/{id}/assignments/members": lambda w: (
        w.mgmt.guardrails.list_guardrail_member_assignments(id=w.guardrail_id)
    ),
    "POST /guardrails/{id}/assignments/members": lambda w: w.mgmt.guardrails.bulk_assign_members(
        id=w.guardrail_id, member_user_ids=[w.member.user_id]
    ),
    "POST /guardrails/{id}/assignments/members/remove": lambda w: (
        w.mgmt.guardrails.bulk_unassign_members(
            id=w.guardrail_id, member_user_ids=[w.member.user_id]
        )
    ),
    "GET /guardrails/assignments/keys": lambda w: w.mgmt.guardrails.list_key_assignments(),
    "GET /guardrails/assignments/members": lambda w: w.mgmt.guardrails.list_member_assignments(),
    "POST /images": lambda w: w.sdk.images.generate(
        model="black-forest-labs/flux-schnell", prompt="a red kite"
    ),
    "GET /images/models": lambda w: w.sdk.images.list_models(),
    "GET /images/models/{author}/{slug}/endpoints": lambda w: w.sdk.images.list_model_endpoints(
        author="black-forest-labs", slug="flux-1.1-pro"
    ),
    "GET /key": lambda w: w.sdk.api_keys.get_current_key_metadata(),
    "GET /keys": lambda w: w.mgmt.api_keys.list(),
    "POST /keys": lambda w: w.mgmt.api_keys.create(name="conformance created"),
    "DELETE /keys/{hash}": lambda w: w.mgmt.api_keys.delete(hash=w.key_hash),
    "GET /keys/{hash}": lambda w: w.mgmt.api_keys.get(hash=w.key_hash),
    "PATCH /keys/{hash}": lambda w: w.mgmt.api_keys.update(hash=w.key_hash, name="renamed"),
    "POST /messages": lambda w: raw(
        w.sdk,
        "POST",
        "/messages",
        json={"model": "anthropic/claude-haiku-4.5", "max_tokens": 64, "messages": MSG},
    ),
    "GET /model/{author}/{slug}": lambda w: w.sdk.models.get(author="openai", slug="gpt-4.1"),
    "GET /models": lambda w: w.sdk.models.list(),
    "GET /models/{author}/{slug}/endpoints": lambda w: w.sdk.endpoints.list(
        author="anthropic", slug="claude-sonnet-4.5"
    ),
    "GET /models/count": lambda w: w.sdk.models.count(),
    "GET /models/user": lambda w: w.sdk.models.list_for_user(security={"bearer": w.key_secret}),
    "GET /observability/destinations": lambda w: w.mgmt.observability.list(),
    "POST /observability/destinations": lambda w: w.mgmt.observability.create(
        type_="webhook", name="second hook", config={"url": "https://hooks.example/two"}
    ),
    "DELETE /observability/destinations/{id}": lambda w: w.mgmt.observability.delete(
        id=w.destination_id
    ),
    "GET /observability/destinations/{id}": lambda w: w.mgmt.observability.get(id=w.destination_id),
    "PATCH /observability/destinations/{id}": lambda w: w.mgmt.observability.update(
        id=w.destination_id, name="renamed hook"
    ),
    "GET /organization/members": lambda w: w.mgmt.organization.list_members(),
    "GET /presets": lambda w: (w.preset_slug, w.sdk.presets.list())[1],
    "GET /presets/{slug}": lambda w: w.sdk.presets.get(slug=w.preset_slug),
    "POST /presets/{slug}/chat/completions": lambda w: (
        w.sdk.presets.create_presets_chat_completions(
            slug="chat-preset", messages=MSG, model="openai/gpt-4o-mini"
        )
    ),
    "POST /presets/{slug}/messages": lambda w: w.sdk.presets.create_presets_messages(
        slug="messages-preset", messages=MSG, model="anthropic/claude-haiku-4.5"
    ),
    "POST /presets/{slug}/responses": lambda w: w.sdk.presets.create_presets_responses(
        slug="responses-preset", model="openai/gpt-4.1-mini", instructions="Be brief."
    ),
    "GET /presets/{slug}/versions": lambda w: w.sdk.presets.list_versions(slug=w.preset_slug),
    "GET /presets/{slug}/versions/{version}": lambda w: w.sdk.presets.get_version(
        slug=w.preset_slug, version="1"
    ),
    "GET /providers": lambda w: w.sdk.providers.list(),
    "POST /rerank": lambda w: w.sdk.rerank.rerank(
        documents=["cats purr", "dogs bark"], model="cohere/rerank-v3.5", query="do cats purr"
    ),
    "POST /responses": lambda w: w.sdk.beta.responses.send(
        input="Say hello", model="openai/gpt-4.1-mini"
    ),
    "POST /videos": lambda w: w.sdk.video_generation.generate(
        model="google/veo-3.1", prompt="waves at dusk", duration=4
    ),
    "GET /videos/{jobId}": lambda w: w.sdk.video_generation.get_generation(job_id=w.video_id),
    "GET /videos/{jobId}/content": lambda w: w.sdk.video_generation.get_video_content(
        job_id=w.video_id
    ),
    "GET /videos/models": lambda w: w.sdk.video_generation.list_videos_models(),
    "GET /workspaces": lambda w: w.mgmt.workspaces.list(),
    "POST /workspaces": lambda w: w.mgmt.workspaces.create(name="Created", slug="created-ws"),
    "DELETE /workspaces/{id}": lambda w: w.mgmt.workspaces.delete(id=w.workspace_id),
    "GET /workspaces/{id}": lambda w: w.mgmt.workspaces.get(id=w.workspace_id),
    "PATCH /workspaces/{id}": lambda w: w.mgmt.workspaces.update(
        id=w.workspace_id, description="updated"
    ),
    "GET /workspaces/{id}/budgets": lambda w: w.mgmt.workspaces.list_budgets(
        workspace_ref=w.workspace_id
    ),
    "DELETE /workspaces/{id}/budgets/{interval}": lambda w: w.mgmt.workspaces.delete_budget(
        workspace_ref=w.workspace_id, interval="daily"
    ),
    "PUT /workspaces/{id}/budgets/{interval}": lambda w: w.mgmt.workspaces.set_budget(
        workspace_ref=w.workspace_id, interval="monthly", limit_usd=50.0
    ),
    "GET /workspaces/{id}/members": lambda w: w.mgmt.workspaces.list_members(id=w.workspace_id),
    "POST /workspaces/{id}/members/add": lambda w: w.mgmt.workspaces.bulk_add_members(
        id=w.workspace_id, user_ids=[w.member.user_id]
    ),
    "POST /workspaces/{id}/members/remove": lambda w: w.mgmt.workspaces.bulk_remove_members(
        id=w.workspace_id, user_ids=[w.member.user_id]
    ),
}
