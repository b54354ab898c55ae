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
      // monotone: a smooth line that never dips below zero or overshoots a day's count
      cubicInterpolationMode: "monotone",
      maxBarThickness: 28
    };
  }

  function draw(chart) {
    var canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) {
      return;
    }
    var horizontal = Boolean(chart.horizontal);
    var stacked = Boolean(chart.stacked);
    if (horizontal) {
      // one bar a row: the chart grows with its rows instead of stretching a few bars
      canvas.parentNode.style.height = Math.max(120, 56 + chart.labels.length * 30) + "px";
    }
    var values = { beginAtZero: true, stacked: stacked, ticks: { precision: 0 } };
    var labels = {
      stacked: stacked,
      ticks: {
        autoSkip: true,
        maxRotation: 0,
        callback: function (value) {
          // On a phone a long reason would squeeze the bars: it is shortened here and whole in the table.
          var text = String(this.getLabelForValue(value));
          var room = canvas.parentNode.clientWidth < 500 ? 16 : 40;
          return horizontal && text.length > room ? text.slice(0, room - 1) + "…" : text;
        }
      }
    };
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
