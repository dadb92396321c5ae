// Runs in <head> before the first paint: the saved theme (no flash), and a class that says
// scripts run (the phone menu collapses only then, so it stays usable without JavaScript).
(function () {
  var t = localStorage.getItem("theme");
  if (t === "light" || t === "dark") document.documentElement.setAttribute("data-theme", t);
  document.documentElement.classList.add("js");
})();
