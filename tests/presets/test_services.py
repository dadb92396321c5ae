"""Presets against the sandbox: the stream, saves with the person's own key, the playground."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.core.errors import Conflict
from apps.gateway import core
from apps.inference.models import ConsoleKey
from apps.inference.services import console_key_for
from apps.presets import services
from apps.presets.models import Preset
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db


def test_sync_mirrors_every_preset_and_version_with_an_ordinary_key(organisation, monkeypatch):
    used: list[str] = []
    real = core._attempt

    def spy(creds, operation):
        used.append(creds.api_key)
        return real(creds, operation)

    monkeypatch.setattr(core, "_attempt", spy)
    assert sync_run(organisation, "presets").run.ok
    bot = Preset.objects.get(organisation=organisation, slug="support-bot")
    assert [v.version for v in bot.versions.all()] == [1, 2]
    assert bot.designated.version == 2 and bot.designated.model == "anthropic/claude-sonnet-4.5"
    assert bot.designated.config["provider"] == {"sort": "price"}
    sql = Preset.objects.get(organisation=organisation, slug="sql-helper")
    assert sql.versions.count() == 3
    management = organisation.management_key
    preset_calls = used[-3:]  # list + two version lists
    assert management not in preset_calls


def test_saving_makes_a_new_designated_version_and_an_audit_entry(actor, support_bot):
    saved = services.preset_save(
        actor,
        slug="support-bot",
        system_prompt="You are a very concise support agent.",
        config=dict(support_bot.designated.config) | {"temperature": 0.1},
        preset=support_bot,
    )
    assert saved.designated.version == 3 and saved.versions.count() == 3
    assert saved.designated.config["provider"] == {"sort": "price"}  # carried over
    entry = AuditEntry.objects.get(action="preset.version")
    assert entry.before["version"] == 2 and entry.after["version"] == 3
    assert entry.after["config"]["temperature"] == 0.1


def test_creating_a_preset_uses_the_persons_console_key(actor, organisation, presets):
    saved = services.preset_save(
        actor, slug="new-helper", system_prompt="Be brief.", config={"model": "openai/gpt-4.1"}
    )
    assert saved.designated.version == 1 and saved.designated.system_prompt == "Be brief."
    assert ConsoleKey.objects.filter(organisation=organisation, user=actor.user).exists()
    assert AuditEntry.objects.filter(action="preset.create", target_id="new-helper").exists()


def test_the_playground_streams_text_then_tokens_cost_and_generation(actor, support_bot):
    events = list(services.preset_play(actor, support_bot, prompt="My order is late"))
    texts = [v for k, v in events if k == "text"]
    kind, result = events[-1]
    assert kind == "done" and len(texts) > 1  # more than one piece: streamed
    assert result.text == "".join(texts) and result.text
    assert result.generation_id.startswith("gen-")
    assert result.prompt_tokens > 0 and result.completion_tokens > 0 and result.cost is not None
    assert result.model == "anthropic/claude-sonnet-4.5" and not result.error


def test_a_second_run_while_one_is_on_its_way_is_refused(actor, support_bot):
    running = services.preset_play(actor, support_bot, prompt="one")
    next(running)
    with pytest.raises(Conflict):
        services.preset_play(actor, support_bot, prompt="two")
    list(running)  # finishing releases the lock
    assert list(services.preset_play(actor, support_bot, prompt="three"))[-1][0] == "done"


def test_a_refused_run_says_why_and_keeps_nothing_half_done(actor, support_bot, upstream_fault):
    # The console key is made first (management key), then every call fails.
    console_key_for(actor, actor.user)
    upstream_fault("402")
    kind, result = list(services.preset_play(actor, support_bot, prompt="hi"))[-1]
    assert kind == "done" and result.error and not result.text and not result.cut


def test_a_run_closed_unread_frees_the_slot_and_a_running_one_is_refused(actor, support_bot):
    first = services.preset_play(actor, support_bot, prompt="one")
    with pytest.raises(Conflict, match="already running"):
        services.preset_play(actor, support_bot, prompt="two")
    first.close()  # what the response does when the browser goes away before reading
    assert list(services.preset_play(actor, support_bot, prompt="three"))[-1][0] == "done"


def test_a_stream_cut_midway_keeps_the_partial_answer_marked_as_cut(
    actor, support_bot, upstream_fault
):
    console_key_for(actor, actor.user)
    upstream_fault("stream_cut=3")
    events = list(services.preset_play(actor, support_bot, prompt="My order is late"))
    kind, result = events[-1]
    assert kind == "done" and result.cut and result.error
    assert result.text and result.text == "".join(v for k, v in events if k == "text")
