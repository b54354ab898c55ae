/* The community health dashboard (templates/admin/dashboard.html): draws each chart with Chart.js from
   the JSON the page carries in <script type="application/json" id="dashboard-data"> (no inline script:
   the Content-Security-Policy forbids it). Without JavaScript the tables beside the charts hold the same
   numbers. */
(function () {
  "use strict";

  // Okabe–Ito: told apart with the common kinds of colour blindness.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function dataset(set, index, chart) {
    var colour = PALETTE[index % PALETTE.length];
    var line = chart.type === "line";
    return {
      label: set.label,
      data: set.data,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: line ? 2 : 0,
      pointRadius: line && set.data.length <= 31 ? 2 : 0,
      tension: 0.25,
      maxBarThickness: 28
    };
  }

  function draw(chart) {
    var canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) {
      return;
    }
    var horizontal = Boolean(chart.horizontal);
    var values = { beginAtZero: true, ticks: { precision: 0 } };
    var labels = { ticks: { autoSkip: true, maxRotation: 0 } };
    var instance = new window.Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (set, index) { return dataset(set, index, chart); })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: chart.datasets.length > 1, position: "bottom" } },
        scales: horizontal ? { x: values, y: labels } : { x: labels, y: values }
      }
    });
    canvas.setAttribute("data-drawn", "true");
    return instance;
  }

  function start() {
    var node = document.getElementById("dashboard-data");
    if (!node || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(node.textContent);
    var Chart = window.Chart;
    Chart.defaults.color = cssVar("--body-quiet-color", "#666");
    Chart.defaults.borderColor = cssVar("--hairline-color", "#e8e8e8");
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    data.charts.forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
