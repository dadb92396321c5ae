"""A member submits a video job, watches it run without reloading, and plays the result;
files and generations pages are used the way a person uses them. Screenshots at 1280 and
390 px go to ``.data/screenshots/``."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from apps.media.services import poller

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots"


@pytest.fixture
def beat(settings):
    """Beat and a worker, in-process: dispatch due jobs and poll them every half second."""
    settings.SANDBOX_VIDEO_SECONDS = 6
    settings.VIDEO_POLL_MIN_SECONDS = 1
    settings.VIDEO_POLL_MAX_SECONDS = 2
    stop = threading.Event()

    def loop() -> None:
        try:
            queued: list = []
            while not stop.is_set():
                queued.clear()
                poller.videos_dispatch(lambda pk, token: queued.append((pk, token)))
                for pk, token in list(queued):
                    poller.job_poll(pk, token)
                stop.wait(0.5)
        finally:
            connection.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
            f"{name} scrolls sideways at {width} px"
        )
    page.set_viewport_size({"width": 1280, "height": 900})


def test_member_submits_a_video_watches_it_finish_and_plays_it(
    page, live_server, demo, login, beat
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login("member@demo.test")
    page.get_by_role("link", name="Videos").click()
    shoot(page, "videos-empty")
    page.get_by_role("button", name="New video").first.click()
    page.get_by_label("Model").select_option("minimax/hailuo-02")
    # The form reshapes for the model: no audio option, its durations, the estimate.
    expect(page.get_by_label("Generate audio")).to_have_count(0)
    expect(page.get_by_test_id("estimate")).to_contain_text("$0.27", timeout=15_000)
    # (A busy machine answers the estimate slowly: the default 5 s wait is not enough there.)
    page.get_by_label("Duration (seconds)").select_option("10")
    expect(page.get_by_test_id("estimate")).to_contain_text("$0.45", timeout=15_000)
    page.get_by_label("Prompt").fill("A paper boat drifting down a rainy street")
    shoot(page, "video-new")
    page.get_by_role("button", name="Submit video job").click()

    status = page.get_by_test_id("job-status")
    expect(status).to_have_text("Pending", timeout=15_000)
    page.evaluate("window.__same_page = true")
    shoot(page, "video-running")
    expect(status).to_have_text("In progress", timeout=20_000)
    expect(status).to_have_text("Completed", timeout=30_000)
    assert page.evaluate("window.__same_page === true")  # updated in place, never reloaded
    history = page.get_by_test_id("job-history")
    expect(history).to_contain_text("Pending")
    expect(history).to_contain_text("Completed")

    player = page.get_by_test_id("video-player")
    expect(player).to_be_visible()
    src = player.get_attribute("src")
    assert src.startswith("/media/videos/") and "sandbox" not in src
    fetched = page.evaluate(
        """async (src) => { const r = await fetch(src);
             const b = await r.arrayBuffer();
             return [r.status, r.headers.get('content-type'), b.byteLength]; }""",
        src,
    )
    assert fetched[0] == 200 and fetched[1] == "video/mp4" and fetched[2] > 0
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=video-player]'); "
        "return v.readyState >= 1 && v.duration > 0; }",
        timeout=15_000,
    )
    played = page.evaluate(
        """async () => { const v = document.querySelector('[data-testid=video-player]');
             v.muted = true; try { await v.play(); return !v.error; } catch (e) { return String(e); } }"""
    )
    assert played is True, played
    shoot(page, "video-done")

    page.get_by_role("link", name="← Videos").click()
    expect(page.get_by_test_id("job-status").first).to_have_text("Completed")
    shoot(page, "videos-list")
    assert not errors, errors


def test_files_and_generations_pages(page, live_server, demo, login, beat, tmp_path):
    login("admin@demo.test")
    page.get_by_role("link", name="Files").click()
    sample = tmp_path / "brief.txt"
    sample.write_text("A short brief for the video team.\n")
    page.locator("input[type=file]").set_input_files(str(sample))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="brief.txt")).to_be_visible(timeout=15_000)
    shoot(page, "file-detail")
    page.get_by_role("button", name="Delete…").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("link", name="← Files").click()
    expect(page.get_by_role("link", name="brief.txt")).to_be_visible()
    shoot(page, "files")

    # A refused type is refused in place, before anything is sent.
    odd = tmp_path / "blob.bin"
    odd.write_bytes(b"\x00\xff\xfe\x01" * 64)
    page.locator("input[type=file]").set_input_files(str(odd))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("type of file is refused")).to_be_visible()

    page.get_by_role("link", name="Generations").click()
    page.get_by_label("Generation id").fill("gen-nothing-here")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_text("no generation with that id")).to_be_visible()
    shoot(page, "generations")
    page.get_by_role("link", name="Inference key").click()
    expect(page.get_by_role("heading", name="Your console key")).to_be_visible()
    shoot(page, "inference-key")
    page.get_by_role("link", name="Inference settings").click()
    shoot(page, "inference-settings")
