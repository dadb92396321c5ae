"""A member runs a preset in the playground: the answer streams into the page piece by piece,
then its tokens, cost and generation id show."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_catalog_journey import _shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Records, in the order they happen, each change to the answer and to the stats.
WATCH = """() => {
  window.__play = [];
  const out = document.querySelector('#play-output');
  const box = document.querySelector('#preset-play');
  new MutationObserver((records) => records.forEach((r) => {
    const t = r.target.nodeType === 3 ? r.target.parentNode : r.target;
    if (t && t.id === 'play-output') window.__play.push('text:' + out.textContent.length);
    else if ([...r.addedNodes].some((n) => n.id === 'play-stats')) window.__play.push('stats');
  })).observe(box, {childList: true, subtree: true, characterData: true});
}"""


def test_member_streams_a_preset_answer_then_sees_its_stats(page, live_server, demo, login):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login("member@demo.test")
    page.get_by_role("link", name="Presets").click()
    page.get_by_role("link", name="support-bot", exact=True).click()
    expect(page.get_by_role("heading", name="Playground")).to_be_visible()
    page.evaluate(WATCH)
    page.get_by_label("Message").fill("My order is late, what can I do?")
    page.get_by_role("button", name="Run").click()
    stats = page.get_by_test_id("play-stats")
    expect(stats).to_contain_text("gen-", timeout=15_000)
    expect(stats).to_contain_text(" in · ")
    expect(stats).to_contain_text("$")
    expect(page.locator("#play-output")).not_to_be_empty()
    order = page.evaluate("() => window.__play")
    texts = [o for o in order if o.startswith("text:")]
    assert len(texts) > 1, order  # the answer arrived in pieces
    assert order.index(texts[0]) < order.index("stats"), order  # text before the end
    expect(page.get_by_role("button", name="Run")).to_be_enabled()
    _shot(page, "presets-playground")
    assert errors == []
