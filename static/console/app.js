// Console behaviour: toasts from HX-Trigger, the theme switch, small conveniences.
(function () {
  "use strict";

  function showToast(message, level) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast" + (level === "error" ? " toast-error" : "");
    el.setAttribute("role", level === "error" ? "alert" : "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  }
  window.consoleToast = showToast;

  document.body.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message || "Done.", detail.level);
  });

  // An upstream or server failure on an HTMX request: say so instead of failing silently.
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 422) return; // form re-rendered with its errors
    showToast(status === 403 ? "You are not allowed to do that." : "The request failed (" + status + "). Please try again.", "error");
  });
  document.body.addEventListener("htmx:sendError", function () {
    showToast("The console could not be reached. Check your connection.", "error");
  });

  // Theme: auto (system) -> light -> dark -> auto.
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

  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-select-on-focus]")) event.target.select();
  });
})();
