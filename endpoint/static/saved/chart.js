// Draws the chart of a saved-query page from the JSON embedded in #saved-chart-data.
(function () {
  "use strict";
  var data = document.getElementById("saved-chart-data");
  var canvas = document.getElementById("saved-chart");
  if (!data || !canvas || typeof Chart === "undefined") { return; }
  var spec = JSON.parse(data.textContent);
  var chart = window.museumKgSavedChart = new Chart(canvas, {
    type: spec.kind,
    data: { labels: spec.labels, datasets: [{ label: spec.label, data: spec.values }] },
    options: { responsive: true, maintainAspectRatio: false, animation: false,
               plugins: { legend: { display: spec.kind === "pie" } },
               scales: spec.kind === "pie" ? {} : {
                 x: { title: { display: true, text: spec.x_title } },
                 y: { beginAtZero: true, title: { display: true, text: spec.y_title },
                      ticks: spec.integers ? { precision: 0 } : {} } } }
  });
  canvas.setAttribute("data-rendered", String(chart.data.labels.length));
})();
