"""The browser sweep's machinery: discover a role's pages and controls from the pages
themselves, use every one of them, and collect what went wrong.

A page is the sidebar's links plus one page of each kind linked from them (a key, a request…),
and so on from those (a guardrail's settings from the guardrail's page).
On each page, at each width: the page loads (200), no console error, no page error, no htmx
error event, no Content-Security-Policy violation, nothing wider than the viewport, and
axe-core finds no WCAG 2 A/AA violation: at desktop for every role (each sees other
controls), at phone width once per kind of page (the phone layout is the same page under
other CSS, whoever looks; axe is half the cost of a page check). At desktop width, every
control is used:

- each control of each filter form (``form.filters``), one at a time: the URL and the results
  change;
- each dialog (anything that loads into ``#modal``): it opens, Cancel closes it without a
  reload, an empty confirmation is refused in place, and (once per kind, at the end) the
  confirmation does what it says;
- each form with something to type: an invalid submission answers in place (422), keeps what
  was typed and leaves the rest of the page as it was.

Deliberate exceptions live in ``EXCEPTIONS`` (test_sweep.py), each with its reason.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Not under test-results/: pytest-playwright empties that folder at the start of each run.
SHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots" / "sweep"
# Full-page screenshots of every page, role and width, for people to look at: on by default
# when working on pages, off in CI where nobody looks (SWEEP_SCREENSHOTS=1 turns them on).
SCREENSHOTS = os.environ.get("SWEEP_SCREENSHOTS", "0" if os.environ.get("CI") else "1") == "1"
TIMES = SHOTS.parent.parent / "sweep-times"  # .data/sweep-times/shard-N-of-M.json
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}

# Listens for what a person would not see but must not happen: htmx errors and CSP blocks.
WATCH = """
(() => {
  window.__sweep = [];
  window.__sweepLoaded = Date.now() + Math.random();
  const note = (kind) => (event) => {
    const d = event.detail || {};
    const path = d.pathInfo ? d.pathInfo.requestPath : (d.requestConfig ? d.requestConfig.path : "");
    const status = d.xhr ? d.xhr.status : "";
    window.__sweep.push(`${kind} ${path} ${status}`.trim());
  };
  for (const kind of ["htmx:responseError", "htmx:targetError", "htmx:swapError",
                      "htmx:sendError", "htmx:onLoadError", "htmx:oobErrorNoTarget"]) {
    document.addEventListener(kind, note(kind), true);
  }
  // In-flight htmx requests, so the sweep waits for exactly as long as the page works.
  window.__sweepBusy = 0;
  document.addEventListener("htmx:beforeRequest", () => { window.__sweepBusy++; }, true);
  document.addEventListener("htmx:afterRequest", () => { window.__sweepBusy = Math.max(0, window.__sweepBusy - 1); }, true);
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__sweep.push(`CSP ${e.violatedDirective} ${e.blockedURI}`);
  });
})();
"""


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    pages: set[tuple[str, str]] = field(default_factory=set)  # (role, path)
    controls: int = 0
    checks: dict[str, int] = field(default_factory=dict)
    used: set[tuple] = field(default_factory=set)  # controls already used by some role
    seconds: dict[str, float] = field(default_factory=dict)
    per_path: dict[str, float] = field(default_factory=dict)  # seconds, every role
    axed_at_phone: set[str] = field(default_factory=set)  # kinds of page

    def first_at_phone(self, kind: str) -> bool:
        """Whether no role has had axe look at this kind of page at phone width yet."""
        seen = kind in self.axed_at_phone
        self.axed_at_phone.add(kind)
        return not seen

    def timed(self, kind: str, started: float) -> None:
        self.seconds[kind] = round(self.seconds.get(kind, 0) + time.perf_counter() - started, 1)

    def add(self, role: str, where: str, problem: str) -> None:
        self.problems.append(f"[{role}] {where}: {problem}")

    def count(self, kind: str) -> None:
        self.checks[kind] = self.checks.get(kind, 0) + 1
        self.controls += kind in ("filter", "dialog", "form")


def shape(path: str) -> str:
    """A path's kind: the URL pattern it resolves to (``/catalog/models/google/veo-3.1/`` →
    ``/catalog/models/<str:author>/<str:slug>/``; the 40 model pages, each swept as a kind of
    its own, cost a third of the sweep; a link's ``data-page-kind`` names the variants worth a
    page each, see :meth:`Sweeper.inner_paths`). A path that resolves to nothing: ids and
    hashes become ``*`` (``/keys/ab12…/`` → ``/keys/*/``)."""
    try:
        return "/" + resolve(urlsplit(path).path).route
    except Resolver404:
        pass
    parts = [
        "*" if re.fullmatch(r"[0-9a-f]{16,}|\d+|[0-9a-f-]{36}", p) else p
        for p in path.strip("/").split("/")
    ]
    return "/" + "/".join(parts) + "/"


class Sweeper:
    def __init__(self, page: Page, base: str, role: str, findings: Findings, exceptions) -> None:
        self.page = page
        self.base = base
        self.role = role
        self.findings = findings
        self.exceptions = exceptions
        self.console: list[str] = []
        self.kinds: dict[str, str] = {}  # path → its kind, variant included (inner_paths)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console.append(f"page error: {exc}"))
        page.context.add_init_script(WATCH)

    # --- plumbing ---------------------------------------------------------------------

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        # 422 and 410 are the HTMX rule's answers (a refused form, a one-time thing used up):
        # the browser logs every 4xx, but these are expected, shown in place.
        if re.search(r"status of (422|410) ", message.text):
            return
        self.console.append(f"console: {message.text} ({message.location.get('url', '')})")

    def excepted(self, kind: str, path: str, detail: str = "") -> bool:
        return any(
            e["kind"] == kind
            and re.search(e["path"], path)
            and re.search(e.get("detail", ""), detail)
            for e in self.exceptions
        )

    def problem(self, path: str, text: str, kind: str = "page") -> None:
        if not self.excepted(kind, path, text):
            self.findings.add(self.role, path, text)

    def settle(self) -> None:
        """The page loaded and every htmx request it started (lazy cards, badges) is done."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            """() => new Promise(resolve => setTimeout(() =>
                 resolve(document.readyState === 'complete' && !window.__sweepBusy
                         && !document.querySelector('.htmx-request')), 60))""",
            timeout=10_000,
        )

    def drain(self, path: str) -> None:
        """Report what the listeners caught since the last drain."""
        for entry in self.console:
            self.problem(path, entry, "console")
        self.console.clear()
        caught = self.page.evaluate("() => (window.__sweep || []).splice(0)")
        for entry in caught:
            self.problem(path, entry, "htmx")

    def open(self, path: str) -> bool:
        response = self.page.goto(self.base + path)
        self.settle()
        status = response.status if response else 0
        if status != 200:
            self.problem(path, f"answered {status}")
            return False
        return True

    # --- discovery ----------------------------------------------------------------------

    def nav_paths(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            "nav[aria-label='Main'] a[href]", "els => els.map(e => e.getAttribute('href'))"
        )
        return list(dict.fromkeys(h for h in hrefs if h.startswith("/")))

    def inner_paths(self, known: set[str]) -> list[str]:
        """One page of each kind linked from the current page's content."""
        links = self.page.eval_on_selector_all(
            "main a[href]:not([download]):not([hx-target='#modal'])",
            "els => els.map(e => [e.getAttribute('href'), e.dataset.pageKind || ''])",
        )
        found = []
        for href, variant in links:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or parts.query:
                continue
            # A link may name the variant of the page it leads to (data-page-kind: a video
            # model's page shows other blocks than a chat model's): one page of each.
            kind = shape(parts.path) + (f"#{variant}" if variant else "")
            if parts.path.endswith((".csv", "/logout/")) or kind in known:
                continue
            known.add(kind)
            self.kinds[parts.path] = kind
            found.append(parts.path)
        return found

    # --- page checks ----------------------------------------------------------------------

    def check_page(self, path: str, width: str) -> bool:
        """Check the page at one width; False when it did not load."""
        started = time.perf_counter()
        loaded = self._check_page(path, width)
        self.findings.timed("pages", started)
        return loaded

    def _check_page(self, path: str, width: str) -> bool:
        self.findings.pages.add((self.role, path))
        self.page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
        if not self.open(path):
            return False
        self.drain(path)
        self.check_overflow(path, width)
        kind = self.kinds.get(path) or shape(path)
        if width == "desktop" or self.findings.first_at_phone(kind):
            started = time.perf_counter()
            self.check_axe(path, width)
            self.findings.timed("axe", started)
        if SCREENSHOTS:
            started = time.perf_counter()
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            shot = SHOTS / f"{self.role}-{name}-{width}.png"
            self.page.screenshot(path=str(shot), full_page=True)
            self.findings.timed("screenshots", started)
        return True

    def check_overflow(self, path: str, width: str) -> None:
        self.findings.count("overflow")
        wide = self.page.evaluate(
            """() => {
              const limit = window.innerWidth;
              if (document.documentElement.scrollWidth <= limit + 1) return [];
              return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit + 1
                          && !e.closest('.table-wrap, [role=region], .spend-scroll'))
                .slice(0, 5)
                .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().right)}px)`);
            }"""
        )
        if wide:
            self.problem(path, f"scrolls sideways at {width}: {', '.join(wide)}", "overflow")

    def check_axe(self, path: str, width: str, context: str = "document") -> None:
        self.findings.count("axe")
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the debugging protocol: a page's CSP does not apply to it.
            self.page.evaluate(AXE.read_text() + "\n;0")
        violations = self.page.evaluate(
            f"""async () => {{
              const r = await axe.run({context}, {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}}});
              return r.violations.map(v => ({{id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}}));
            }}"""
        )
        for v in violations:
            self.problem(
                path,
                f"axe {v['id']} at {width} ({v['count']} nodes: {'; '.join(v['nodes'])})",
                "axe",
            )

    # --- controls ---------------------------------------------------------------------

    def target_text(self, selector: str) -> str:
        return self.page.evaluate(
            "(s) => { const e = document.querySelector(s); return e ? e.innerText : '' }", selector
        )

    def filter_controls(self) -> list[dict]:
        return self.page.evaluate(
            """() => [...document.querySelectorAll('form.filters')].flatMap((form, f) =>
                 [...form.querySelectorAll('select, input:not([type=hidden]):not([type=submit])')]
                 .map(el => ({form: f, name: el.name, tag: el.tagName.toLowerCase(),
                              type: el.type, target: form.getAttribute('hx-target'),
                              options: el.tagName === 'SELECT' ? [...el.options].map(o => o.value) : [],
                              value: el.value})))"""
        )

    def check_filters(self, path: str) -> None:
        try:
            self._check_filters(path)
        except Exception as exc:
            self.problem(
                path,
                f"filters could not be used ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                "filter",
            )

    def _check_filters(self, path: str) -> None:
        controls = self.filter_controls()
        # The same controls on the same page behave the same whoever uses them: once each.
        seen_key = ("filters", path, tuple(sorted(c["name"] for c in controls)))
        if seen_key in self.findings.used:
            return
        self.findings.used.add(seen_key)
        for control in controls:
            if not control["name"] or self.excepted("filter", path, control["name"]):
                continue
            self.findings.count("filter")
            where = f"filter {control['name']}"
            if not self.use_filter(path, control):
                self.problem(path, f"{where}: changing it changed neither the URL and the results")

    def _try_change(self, path: str, control: dict, value: str) -> bool:
        self.open(path)
        clear = self.page.locator("[data-testid=filters-active] a")
        if clear.count():  # a page that remembers its filters starts from none
            self.open(urlsplit(clear.first.get_attribute("href")).path + "?clear=1")
        before_url, before = self.page.url, self.target_text(control["target"])
        locator = self.page.locator(f"form.filters [name='{control['name']}']").first
        if control["tag"] == "select":
            locator.select_option(value)
        elif control["type"] == "checkbox":
            locator.click()
        elif control["type"] == "search":
            locator.fill(value)
        else:
            locator.fill(value)  # fires input and change, as a person picking a date does
        try:
            self.page.wait_for_url(lambda url: url != before_url, timeout=5_000)
        except Exception:
            self.drain(path)
            return False
        self.settle()
        self.drain(path)
        return self.target_text(control["target"]) != before

    def use_filter(self, path: str, control: dict) -> bool:
        if control["tag"] == "select":
            candidates = [o for o in control["options"] if o != control["value"]][:4]
        elif control["type"] == "search":
            candidates = ["zz-no-such-thing"]
        elif control["type"] == "date":
            # Earlier and later days: one of them narrows a "from" or a "to" whatever the data.
            current = date.fromisoformat(control["value"]) if control["value"] else date.today()
            candidates = [(current - timedelta(days=d)).isoformat() for d in (1, 5, 12, 0)]
        elif control["type"] == "checkbox":
            candidates = ["toggle"]
        elif control["type"] == "number":
            # A bound that excludes nearly everything, then one that excludes nothing.
            candidates = ["0", "1", "1000000"]
        else:
            candidates = ["zz-no-such-thing"]
        return any(self._try_change(path, control, value) for value in candidates)

    def dialog_triggers(self) -> list[str]:
        """A selector for each dialog trigger kind on the page (the first of each)."""
        return self.page.evaluate(
            """() => {
              const seen = new Set(), out = [];
              document.querySelectorAll('[hx-get][hx-target="#modal"]').forEach((el, i) => {
                const kind = (el.getAttribute('hx-get') || '').replace(/[0-9a-f]{16,}|\\d+/g, '*');
                if (seen.has(kind)) return;
                seen.add(kind);
                el.setAttribute('data-sweep-trigger', String(i));
                out.push(`[data-sweep-trigger="${i}"]`);
              });
              return out;
            }"""
        )

    def check_dialogs(self, path: str) -> list[tuple[str, str]]:
        """Open, cancel and refuse an empty confirmation; returns confirmable (path, kind)."""
        confirmable: list[tuple[str, str]] = []
        for selector in self.dialog_triggers():
            try:
                self._check_dialog(path, selector, confirmable)
            except Exception as exc:
                self.problem(
                    path,
                    f"dialog {selector}: could not be used ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                    "dialog",
                )
        return confirmable

    def _check_dialog(self, path: str, selector: str, confirmable: list) -> None:
        kind = self.page.get_attribute(selector, "hx-get") or selector
        if self.excepted("dialog", path, kind):
            return
        self.findings.count("dialog")
        loaded = self.page.evaluate("() => window.__sweepLoaded")
        self.page.click(selector)
        try:
            self.page.wait_for_selector("#modal dialog[open]", timeout=5_000)
        except Exception:
            self.drain(path)
            self.problem(path, f"dialog {kind}: did not open", "dialog")
            return
        self.settle()
        self.check_axe(path, "desktop", "document.querySelector('#modal')")
        self.page.click("#modal [data-dialog-close]")
        self.page.wait_for_timeout(150)
        if self.page.locator("#modal dialog").count():
            self.problem(path, f"dialog {kind}: Cancel did not close it", "dialog")
        if self.page.evaluate("() => window.__sweepLoaded") != loaded:
            self.problem(path, f"dialog {kind}: Cancel reloaded the page", "dialog")
        # An empty confirmation is refused in place, inside the dialog.
        self.page.click(selector)
        self.page.wait_for_selector("#modal dialog[open]")
        fields = self.page.locator("#modal input:not([type=hidden]), #modal textarea")
        if fields.count():
            for i in range(fields.count()):
                fields.nth(i).fill("")
            # Wait for the answer itself: on a busy machine the request may start after
            # settle() has already found nothing in flight.
            with self.page.expect_response(lambda r: r.request.method == "POST", timeout=8_000):
                self.page.click("#modal button[type=submit]")
            self.settle()
            refused = self.page.locator("#modal .field-error, #modal .flash-error").count()
            if not refused:
                self.problem(
                    path,
                    f"dialog {kind}: an empty confirmation was not refused in place",
                    "dialog",
                )
        self.drain(path)
        self.page.keyboard.press("Escape")
        confirmable.append((path, kind))

    def confirm(self, path: str, kind: str) -> None:
        """Use a dialog's confirmation for real: it must close and say what it did."""
        if not self.open(path):
            return
        trigger = self.page.locator(f"[hx-get='{kind}'][hx-target='#modal']").first
        if not trigger.count():
            trigger = self.page.locator("[hx-target='#modal'][hx-get]").first
        trigger.click()
        self.page.wait_for_selector("#modal dialog[open]")
        fields = self.page.locator("#modal input:not([type=hidden]), #modal textarea")
        for i in range(fields.count()):
            field_ = fields.nth(i)
            if field_.get_attribute("type") == "password":
                # A secret pasted again (a provider key): long enough to be taken as one.
                field_.fill("sweep-secret-0123456789abcdef0123456789abcdef")
                continue
            # A confirmation asks for something it shows (the key's name as placeholder).
            field_.fill(field_.get_attribute("placeholder") or "sweep")
        self.page.click("#modal button[type=submit]")
        self.page.wait_for_timeout(300)  # a client redirect may follow the answer
        self.settle()
        if self.page.locator("#modal dialog").count():
            self.problem(path, f"dialog {kind}: confirming did not close it", "dialog")
        said = self.page.locator("#toasts .toast, .messages .flash").count()
        if not said:
            self.problem(path, f"dialog {kind}: confirming said nothing", "dialog")
        self.drain(path)

    def typed_forms(self) -> list[dict]:
        """POST forms outside filters and dialogs with something to type."""
        return self.page.evaluate(
            """() => [...document.querySelectorAll('main form[method=post], main form[method=POST]')]
                 .filter(f => !f.closest('#modal') && !f.classList.contains('filters'))
                 .map((f, i) => { f.setAttribute('data-sweep-form', String(i));
                   // What a person can type in and the form sends: a box a script hides and
                   // stands in for (the filter-rules builder's JSON) is not typed in directly.
                   const inputs = [...f.querySelectorAll('input, textarea')].filter(e => e.name && !e.hidden &&
                     (['text','number','email','url','password','datetime-local','date','search',''].includes(e.type) || e.tagName === 'TEXTAREA'));
                   // A write-only field (data-write-only) is never sent back: typed like a password.
                   return {index: i, action: f.getAttribute('hx-post') || f.getAttribute('action') || '',
                           // something required that is not typed (a file, a choice) left empty
                           untyped_required: !!f.querySelector('input[type=file][required], select[required]'),
                           inputs: inputs.map(e => ({name: e.name, required: e.required, picker: e.hasAttribute('data-picker-search'),
                             type: e.hasAttribute('data-write-only') ? 'password' : (e.type || 'textarea'),
                             numeric: ['decimal','numeric'].includes(e.inputMode) || e.type === 'number'
                                      || /limit|threshold|hours|amount|rate/.test(e.name)}))};
                 })
                 .filter(f => f.inputs.length)"""
        )

    def check_forms(self, path: str) -> None:
        for form in self.typed_forms():
            try:
                self._check_form(path, form)
            except Exception as exc:
                self.problem(
                    path,
                    f"form {form['action']}: could not be used ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                    "form",
                )

    def _check_form(self, path: str, form: dict) -> None:
        seen_key = ("form", shape(form["action"]), tuple(i["name"] for i in form["inputs"]))
        if self.excepted("form", path, form["action"]) or seen_key in self.findings.used:
            return
        self.findings.used.add(seen_key)
        self.findings.count("form")
        where = f"form {form['action']}"
        self.open(path)
        scope = f"[data-sweep-form='{form['index']}']"
        # Mark the forms again after the reload, then fill: numbers and emails wrong,
        # text typed (it must come back as typed).
        self.typed_forms()
        typed, invalid = {}, False
        for field_ in form["inputs"]:
            locator = self.page.locator(f"{scope} [name='{field_['name']}']").first
            if field_["type"] == "password":
                locator.fill("x")
                invalid = True
            elif field_["numeric"]:
                locator.fill("-1" if field_["type"] == "number" else "-1x")
                invalid = True
            elif field_["type"] in ("email", "url"):
                locator.fill("sweep not valid")
                invalid = True
            elif field_["type"] in ("datetime-local", "date"):
                return
            else:
                locator.fill("sweep typed")
                # What the box holds (a maxlength cuts what is typed, as for a person).
                typed[field_["name"]] = locator.input_value()
        required = [f["name"] for f in form["inputs"] if f["required"] and f["name"] in typed]
        if not invalid and not required and form["untyped_required"]:
            invalid = True  # a required file or choice is left empty: that gets it wrong
        if not invalid and not required:
            # Every field is optional free text: nothing to get wrong, so what was typed must
            # be taken (and shown back), the page staying as it was.
            # A picker's search box is not a value: after a save the picks show, not the search.
            pickers = {f["name"] for f in form["inputs"] if f["picker"]}
            self._check_form_taken(
                path, scope, where, {k: v for k, v in typed.items() if k not in pickers}
            )
            return
        if not invalid:
            # Nothing to get wrong: leave the first required text empty instead.
            self.page.locator(f"{scope} [name='{required[0]}']").first.fill("")
            typed.pop(required[0])
        heading = self.page.locator("main h1").first.inner_text()
        try:
            with self.page.expect_response(
                lambda r: r.request.method == "POST", timeout=8_000
            ) as caught:
                self.page.locator(f"{scope} button[type=submit]").first.click()
        except Exception:
            self.problem(
                path,
                f"{where}: nothing was sent (the browser refused it itself: the server's "
                "message never shows; add novalidate)",
                "form",
            )
            return
        status = caught.value.status
        self.settle()
        self.drain(path)
        if status != 422:
            self.problem(path, f"{where}: an invalid submission answered {status}, not 422", "form")
            return
        if not self.page.locator(".field-error, .flash-error, [aria-invalid=true]").count():
            self.problem(path, f"{where}: no message shown for the invalid submission", "form")
        for name, value in typed.items():
            kept = self.page.locator(f"main [name='{name}']")
            if kept.count() and kept.first.input_value() != value:
                self.problem(path, f"{where}: did not keep what was typed in {name}", "form")
        still = self.page.locator("main h1").first
        if (
            not still.count()
            or still.inner_text() != heading
            or not self.page.locator("nav[aria-label='Main']").count()
        ):
            self.problem(path, f"{where}: the rest of the page did not stay as it was", "form")

    def _check_form_taken(self, path: str, scope: str, where: str, typed: dict) -> None:
        with self.page.expect_response(
            lambda r: r.request.method == "POST", timeout=8_000
        ) as caught:
            self.page.locator(f"{scope} button[type=submit]").first.click()
        status = caught.value.status
        self.settle()
        self.drain(path)
        if status >= 400:
            self.problem(path, f"{where}: a valid submission answered {status}", "form")
            return
        if not self.page.locator("nav[aria-label='Main']").count():
            self.problem(path, f"{where}: the rest of the page did not stay as it was", "form")
        for name, value in typed.items():
            kept = self.page.locator(f"main [name='{name}']")
            if kept.count() and kept.first.input_value() != value:
                self.problem(path, f"{where}: did not show back what was saved in {name}", "form")


def summary(findings: Findings) -> str:
    return json.dumps(
        {
            "pages": len({p for _r, p in findings.pages}),
            "page_roles": len(findings.pages),
            "controls": findings.controls,
            "checks": findings.checks,
            "problems": len(findings.problems),
            "seconds": findings.seconds,
        }
    )
