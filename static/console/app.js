// Console behaviour, in one file and no inline handlers (so a strict CSP holds):
// toasts from HX-Trigger, the HTMX error rule, dialogs, live search, copy buttons,
// select-all checkboxes and the theme switch.
(function () {
  "use strict";

  // --- toasts ------------------------------------------------------------------------
  function showToast(message, level) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast toast-" + (level || "success");
    el.setAttribute("role", level === "error" ? "alert" : "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, level === "error" ? 10000 : 6000);
  }
  window.consoleToast = showToast;

  document.body.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message || "Done.", detail.level);
  });

  // The HTMX rule (apps/core/kit.py): 422 and 410 are swapped like a 200; any other
  // error swaps nothing and says why in a toast it carries. Without one, say something.
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (status === 422 || status === 410) return;
    var trigger = xhr && xhr.getResponseHeader("HX-Trigger");
    if (trigger && trigger.indexOf("toast") !== -1) return;
    showToast(status === 403 ? "You are not allowed to do that." :
      status === 404 ? "That no longer exists: reload the page." :
      "The request failed (" + status + "). Please try again.", "error");
  });
  document.body.addEventListener("htmx:sendError", function () {
    showToast("The console could not be reached. Check your connection.", "error");
  });

  // --- dialogs -----------------------------------------------------------------------
  // A dialog is loaded into #modal; Cancel or Escape empties #modal (no reload). Without
  // JavaScript the dialog is a page of its own and its Cancel is a plain link.
  function closeDialog(dialog) {
    var holder = dialog.closest("#modal");
    if (holder) holder.innerHTML = "";
    else dialog.removeAttribute("open");
  }
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-dialog-close]");
    if (!closer) return;
    var dialog = closer.closest("dialog");
    if (dialog && dialog.closest("#modal")) {
      event.preventDefault();
      closeDialog(dialog);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var dialog = document.querySelector("#modal dialog[open]");
    if (dialog) closeDialog(dialog);
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "modal") {
      var first = target.querySelector("input:not([type=hidden]), select, textarea, button");
      if (first) first.focus();
    }
  });
  document.body.addEventListener("close-modal", function () {
    var holder = document.getElementById("modal");
    if (holder) holder.innerHTML = "";
  });

  // --- live search: typing in a filter form's search box (or a number bound, such as a
  // maximum price) reloads after a pause ------------------------------------------------
  var LIVE = "form.filters input[type=search]:not([data-picker-search]), form.filters input[type=number]";
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.matches && input.matches(LIVE) && input.form) {
      input.form.dispatchEvent(new CustomEvent("search-input", { bubbles: true }));
    }
  });

  // A filter form's search box already reloads on typing ("search-input"); its "change" on
  // blur would reload the same results again and throw away what was just clicked in them.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches(LIVE)) event.stopPropagation();
  }, true);

  // --- pickers (apps/catalog/forms.py): Enter in a picker's search box searches, it does
  // not submit the form around it ----------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-picker-search]")) {
      event.preventDefault();
      event.target.dispatchEvent(new Event("search", { bubbles: true }));
    }
  });

  // A picker's options are replaced by a search answer; what was ticked or chosen while
  // that search was on its way wins over the answer (which knew only the earlier state).
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.closest || !target.closest(".picker")) return;
    if (target.tagName === "SELECT") {
      target._pickerKept = { value: target.value, option: target.selectedOptions[0] || null };
      return;
    }
    var state = {};
    var ticked = [];
    target.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      state[box.value] = box.checked;
      if (box.checked) ticked.push(box.closest("li"));
    });
    target._pickerKept = { state: state, ticked: ticked };
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var kept = target && target._pickerKept;
    if (!kept) return;
    target._pickerKept = null;
    if (target.tagName === "SELECT") {
      var present = Array.prototype.some.call(target.options, function (o) { return o.value === kept.value; });
      if (!present && kept.option) target.appendChild(kept.option);
      target.value = kept.value;
      return;
    }
    var list = target.querySelector("ul");
    target.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (Object.prototype.hasOwnProperty.call(kept.state, box.value)) box.checked = kept.state[box.value];
    });
    kept.ticked.reverse().forEach(function (li) {
      var value = li.querySelector("input").value;
      var found = Array.prototype.some.call(target.querySelectorAll("input[type=checkbox]"), function (b) { return b.value === value; });
      if (!found && list) list.insertBefore(li, list.firstChild);
    });
  });

  // --- copy buttons and select-all -----------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    if (navigator.clipboard) navigator.clipboard.writeText(input.value);
    button.textContent = "Copied";
  });
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    var scope = box.closest(box.getAttribute("data-select-all")) || document;
    scope.querySelectorAll("input[type=checkbox][name='" + box.getAttribute("data-name") + "']")
      .forEach(function (c) { c.checked = box.checked; });
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });

  // --- upload progress: a form with data-upload-progress="#bar" fills that <progress> ---
  document.body.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest ? event.target.closest("[data-upload-progress]") : null;
    if (!form || !event.detail.lengthComputable) return;
    var bar = document.querySelector(form.getAttribute("data-upload-progress"));
    if (!bar) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  // --- tables that become cards on phones: each cell labelled by its column -------------
  function labelCells(root) {
    (root || document).querySelectorAll("table.cards-on-phone").forEach(function (table) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head) return;
      var labels = Array.prototype.map.call(head.cells, function (c) { return c.textContent.trim(); });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          Array.prototype.forEach.call(row.cells, function (cell, i) {
            if (!cell.hasAttribute("data-label") && labels[i] && cell.colSpan === 1) cell.setAttribute("data-label", labels[i]);
          });
        });
      });
    });
  }
  labelCells(document);
  document.body.addEventListener("htmx:afterSettle", function (event) { labelCells(event.target.closest("table") ? event.target.closest("table").parentNode : event.target); });

  // --- the phone menu ----------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    var open = document.body.classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // --- theme: auto (system) -> light -> dark -> auto -----------------------------------
  var order = ["auto", "light", "dark"];
  function applyTheme(choice) {
    if (choice === "auto") document.documentElement.removeAttribute("data-theme");
    else document.documentElement.setAttribute("data-theme", choice);
    document.querySelectorAll("[data-theme-toggle]").forEach(function (b) {
      b.setAttribute("title", "Theme: " + choice + " (click to change)");
      b.setAttribute("aria-label", "Theme: " + choice + ". Switch colour theme");
    });
  }
  var current = localStorage.getItem("theme") || "auto";
  applyTheme(current);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-theme-toggle]");
    if (!button) return;
    current = order[(order.indexOf(current) + 1) % order.length];
    localStorage.setItem("theme", current);
    applyTheme(current);
  });

  // A form with data-stream="#out" posts with fetch and reads the answer as it arrives: one
  // JSON object a line, {"text": …} appended to #out, then {"done": true, "html": …} that
  // replaces data-stream-stats. Cancel aborts the request (the server then closes the
  // upstream stream); Run is disabled while a run is on its way (no double submit).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-stream]") || !window.fetch || !window.TextDecoder) return;
    event.preventDefault();
    var out = document.querySelector(form.getAttribute("data-stream"));
    var run = form.querySelector("[data-stream-run]");
    var cancel = form.querySelector("[data-stream-cancel]");
    if (run.disabled) return;
    var controller = new AbortController();
    var statsSel = form.getAttribute("data-stream-stats");
    var stats = document.querySelector(statsSel);
    out.textContent = "";
    if (stats) stats.innerHTML = "";
    run.disabled = true; run.setAttribute("aria-busy", "true");
    cancel.hidden = false;
    var stop = function () { controller.abort(); };
    cancel.addEventListener("click", stop, { once: true });
    var finish = function () {
      run.disabled = false; run.removeAttribute("aria-busy"); cancel.hidden = true;
      cancel.removeEventListener("click", stop);
    };
    var handle = function (line) {
      if (!line.trim()) return;
      var msg = JSON.parse(line);
      if (msg.text) out.textContent += msg.text;
      if (msg.done && stats) {
        // The result holds controls of its own ("Save this exchange"): htmx takes them on.
        var parent = stats.parentNode;
        stats.outerHTML = msg.html;
        if (window.htmx && parent) window.htmx.process(parent);
      }
    };
    fetch(form.action, { method: "POST", body: new FormData(form), signal: controller.signal,
                         headers: { "X-Console-Stream": "ndjson" }, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/x-ndjson") !== 0) {
          // Refused before anything ran: the form (422) or a toast (other statuses).
          return response.text().then(function (html) {
            var trigger = response.headers.get("HX-Trigger");
            if (trigger) { var t = JSON.parse(trigger).toast; if (t) showToast(t.message, t.level); }
            if (response.status === 422) {
              var holder = form.closest("#preset-play") || form.parentNode;
              holder.outerHTML = html;
            }
            finish();
          });
        }
        var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
        var pump = function () {
          return reader.read().then(function (part) {
            if (part.done) { handle(buffer); finish(); return; }
            buffer += decoder.decode(part.value, { stream: true });
            var lines = buffer.split("\n");
            buffer = lines.pop();
            lines.forEach(handle);
            return pump();
          });
        };
        return pump();
      })
      .catch(function () {
        if (controller.signal.aborted) {
          var note = document.createElement("p");
          note.className = "flash flash-warning"; note.setAttribute("role", "status");
          note.textContent = "Cancelled: the answer above is what arrived before you stopped it.";
          var holder = document.querySelector(statsSel);
          if (holder) holder.appendChild(note);
        } else { showToast("The answer could not be read to its end.", "error"); }
        finish();
      });
  });

  // --- the filter-rules builder (observability destinations) -------------------------
  // A textarea[data-rules-builder] holds the rules as JSON: what the form posts, and what a
  // browser without JavaScript edits. The builder shows them as groups of rules (field,
  // operator, value), writes the JSON back on every change, and checks each rule as it is
  // typed; the server checks them again. JSON the builder cannot read stays in the box.
  var NUMERIC_FIELDS = ["total_cost", "total_tokens", "prompt_tokens", "completion_tokens"];
  var NO_VALUE = ["exists", "not_exists"];
  var COMPARES = ["gt", "lt", "gte", "lte"];
  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function choice(options, value, label) {
    var select = make("select", { "aria-label": label });
    options.forEach(function (o) {
      var option = make("option", { value: o }, o.replace(/_/g, " "));
      if (o === value) option.selected = true;
      select.appendChild(option);
    });
    return select;
  }
  function ruleProblem(rule) {
    if (NO_VALUE.indexOf(rule.operator) >= 0) return "";
    if (rule.value === undefined || rule.value === "") return "Type a value for this rule.";
    if (COMPARES.indexOf(rule.operator) >= 0 && typeof rule.value !== "number") {
      return rule.operator + " compares with a number.";
    }
    if (rule.operator === "regex") {
      try { new RegExp(String(rule.value)); } catch (e) { return "This regex is not valid."; }
    }
    return "";
  }
  function buildRules(box) {
    if (box.getAttribute("data-built")) return;
    var fields = JSON.parse(box.getAttribute("data-fields"));
    var operators = JSON.parse(box.getAttribute("data-operators"));
    var state;
    try { state = box.value.trim() ? JSON.parse(box.value) : { groups: [] }; } catch (e) { return; }
    if (!state || !Array.isArray(state.groups)) return;
    box.setAttribute("data-built", "1");
    var root = make("div", { "class": "rules-builder", "data-testid": "rules-builder" });
    box.hidden = true;
    box.parentNode.insertBefore(root, box.nextSibling);
    var write = function () { box.value = state.groups.length ? JSON.stringify(state) : ""; };
    var button = function (text, label, act) {
      var b = make("button", { type: "button", "class": "secondary outline small", "aria-label": label }, text);
      b.addEventListener("click", function () { act(); render(); });
      return b;
    };
    var render = function () {
      root.textContent = "";
      state.groups.forEach(function (group, g) {
        var name = "Group " + (g + 1);
        var set = make("fieldset", { "class": "rule-group", "data-testid": "rule-group" });
        set.appendChild(make("legend", {}, name));
        var logic = choice(["and", "or"], group.logic || "and", name + ": how its rules combine");
        logic.addEventListener("change", function () { group.logic = logic.value; write(); });
        var head = make("p", { "class": "rule-logic" });
        head.appendChild(make("span", {}, "Its rules combine with "));
        head.appendChild(logic);
        set.appendChild(head);
        group.rules.forEach(function (rule, r) {
          var where = name + ", rule " + (r + 1);
          var row = make("div", { "class": "rule-row", "data-testid": "rule" });
          var field = choice(fields, rule.field, where + ": field");
          var operator = choice(operators, rule.operator, where + ": operator");
          var value = make("input", { type: "text", "aria-label": where + ": value", autocomplete: "off" });
          value.value = rule.value === undefined ? "" : String(rule.value);
          var said = make("small", { "class": "field-error", "aria-live": "polite" });
          var check = function () {
            var text = ruleProblem(rule);
            said.textContent = text;
            value.setAttribute("aria-invalid", text ? "true" : "false");
          };
          var read = function () {
            rule.field = field.value; rule.operator = operator.value;
            var typed = value.value.trim();
            value.hidden = NO_VALUE.indexOf(rule.operator) >= 0;
            if (value.hidden || typed === "") { delete rule.value; }
            else if ((NUMERIC_FIELDS.indexOf(rule.field) >= 0 || COMPARES.indexOf(rule.operator) >= 0) && typed !== "" && !isNaN(Number(typed))) { rule.value = Number(typed); }
            else { rule.value = typed; }
            check(); write();
          };
          [field, operator].forEach(function (c) { c.addEventListener("change", read); });
          value.addEventListener("input", read);
          row.appendChild(field); row.appendChild(operator); row.appendChild(value);
          var moves = make("span", { "class": "rule-moves" });
          if (r > 0) moves.appendChild(button("↑", "Move " + where + " up", function () { group.rules.splice(r - 1, 0, group.rules.splice(r, 1)[0]); }));
          if (r < group.rules.length - 1) moves.appendChild(button("↓", "Move " + where + " down", function () { group.rules.splice(r + 1, 0, group.rules.splice(r, 1)[0]); }));
          moves.appendChild(button("Remove", "Remove " + where, function () { group.rules.splice(r, 1); if (!group.rules.length) state.groups.splice(g, 1); }));
          row.appendChild(moves);
          row.appendChild(said);
          set.appendChild(row);
          value.hidden = NO_VALUE.indexOf(rule.operator) >= 0;
          if (rule.value !== undefined || value.hidden) check();
        });
        var actions = make("p", { "class": "rule-actions" });
        actions.appendChild(button("Add a rule", "Add a rule to " + name, function () { group.rules.push({ field: fields[0], operator: operators[0] }); }));
        if (g > 0) actions.appendChild(button("Move group up", "Move " + name + " up", function () { state.groups.splice(g - 1, 0, state.groups.splice(g, 1)[0]); }));
        actions.appendChild(button("Remove group", "Remove " + name, function () { state.groups.splice(g, 1); }));
        set.appendChild(actions);
        root.appendChild(set);
      });
      if (!state.groups.length) root.appendChild(make("p", { "class": "muted-text" }, "No rules: every event is sent (after sampling)."));
      root.appendChild(button("Add a group of rules", "Add a group of rules", function () {
        state.groups.push({ logic: "and", rules: [{ field: fields[0], operator: operators[0] }] });
      }));
      write();
    };
    render();
  }
  var buildAll = function (scope) {
    Array.prototype.forEach.call((scope || document).querySelectorAll("textarea[data-rules-builder]"), buildRules);
  };
  buildAll(document);
  document.body.addEventListener("htmx:afterSettle", function (event) { buildAll(event.target); });
})();
