// Draws every <canvas data-chart> from the JSON script named by data-source (Chart.js, vendored).
(function () {
  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.source);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      new Chart(canvas, {
        type: canvas.dataset.chart,
        data: { labels: data.labels, datasets: [{ label: "Spend (USD)", data: data.values }] },
        options: {
          animation: false,
          indexAxis: canvas.dataset.chart === "bar" ? "y" : "x",
          plugins: { legend: { display: false } },
          responsive: true,
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
