"""The playground in a browser: a chat streams into the page before its stats show (and is
saved when asked), and a generated image is shown with its download link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_catalog_journey import _shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Records, in the order they happen, each change to the answer and to the stats.
WATCH = """() => {
  window.__play = [];
  const out = document.querySelector('#play-output');
  const box = document.querySelector('#playground-play');
  new MutationObserver((records) => records.forEach((r) => {
    const t = r.target.nodeType === 3 ? r.target.parentNode : r.target;
    if (t && t.id === 'play-output') window.__play.push('text:' + out.textContent.length);
    else if ([...r.addedNodes].some((n) => n.id === 'play-stats')) window.__play.push('stats');
  })).observe(box, {childList: true, subtree: true, characterData: true});
}"""


@pytest.mark.parametrize("shape", ["chat", "messages"])
def test_member_streams_a_chat_and_sees_text_before_the_stats(
    page, live_server, demo, login, shape
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login("member@demo.test")
    page.get_by_role("link", name="Playground").click()
    expect(page.get_by_role("heading", name="Playground")).to_be_visible()
    page.get_by_label("Model", exact=True).select_option("openai/gpt-4o-mini")
    page.get_by_role("combobox", name=re.compile("^API shape")).select_option(shape)
    page.evaluate(WATCH)
    page.get_by_label("Message", exact=True).fill("Tell me about streaming answers, please.")
    page.get_by_role("button", name="Run").click()
    stats = page.get_by_test_id("play-stats")
    expect(stats).to_contain_text("gen-", timeout=15_000)
    expect(stats).to_contain_text(" in · ")
    expect(page.locator("#play-output")).not_to_be_empty()
    order = page.evaluate("() => window.__play")
    texts = [o for o in order if o.startswith("text:")]
    assert len(texts) > 1, order  # the answer arrived in pieces
    assert order.index(texts[0]) < order.index("stats"), order  # text before the end
    expect(page.get_by_role("button", name="Run")).to_be_enabled()
    _shot(page, f"playground-chat-{shape}")
    # Kept only when asked: the streamed result's own control saves it, in place (htmx).
    answer = page.locator("#play-output").text_content()
    page.get_by_role("button", name="Save this exchange").click()
    keep = page.get_by_test_id("play-keep")
    expect(keep).to_contain_text("Saved.")
    keep.get_by_role("link", name="Open the saved exchange").click()
    expect(page.get_by_test_id("saved-prompt")).to_have_text(
        "Tell me about streaming answers, please."
    )
    expect(page.get_by_test_id("saved-answer")).to_have_text(answer)
    assert errors == []


def test_owner_generates_an_image_and_sees_it(page, live_server, demo, login):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login("owner@demo.test")
    page.get_by_role("link", name="Playground").click()
    page.get_by_role("link", name="Images").click()
    page.get_by_label("Model", exact=True).select_option("black-forest-labs/flux-1.1-pro")
    page.get_by_label("Prompt", exact=True).fill("a red bicycle by the sea")
    page.get_by_role("button", name="Generate").click()
    image = page.get_by_test_id("generated-image")
    expect(image).to_be_visible(timeout=15_000)
    width = image.evaluate("(img) => img.complete ? img.naturalWidth : 0")
    assert width > 0  # the picture decoded, not just an empty tag
    download = page.get_by_role("link", name="Download image 1")
    expect(download).to_have_attribute("download", re.compile(r"^gen-.+-1\.png$"))
    expect(download).to_have_attribute("href", re.compile(r"^data:image/png;base64,"))
    expect(page.get_by_test_id("play-stats")).to_contain_text("$")
    _shot(page, "playground-image")
    assert errors == []
