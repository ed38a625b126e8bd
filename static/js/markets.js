// Token page: draws the price chart, switches its range, and extends it when htmx swaps
// in a new live price. Everything comes from this site; plotly.js is served from static/.
(function () {
  "use strict";
  var chart = document.getElementById("price-chart");
  if (!chart || !window.Plotly) return;
  var range = "1D";
  var config = { responsive: true, displaylogo: false };
  var figure = JSON.parse(document.getElementById("price-chart-figure").textContent);
  Plotly.newPlot(chart, figure.data, figure.layout, config);

  document.querySelectorAll(".chart-ranges button").forEach(function (button) {
    button.addEventListener("click", function () {
      range = button.dataset.range;
      document.querySelectorAll(".chart-ranges button").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
      fetch(chart.dataset.url + "?range=" + encodeURIComponent(range), {
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.json(); })
        .then(function (fig) { Plotly.react(chart, fig.data, fig.layout, config); });
    });
  });

  var lastX = null;
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "live-price" || range !== "1D") return;
    var point = event.target.querySelector(".chart-point");
    if (!point || !point.dataset.x || point.dataset.x === lastX) return;
    lastX = point.dataset.x;
    var x = [[point.dataset.x]], y = [[point.dataset.y]], traces = [0];
    if (point.dataset.fair && point.dataset.fair !== "—") {
      x.push([point.dataset.x]); y.push([point.dataset.fair]); traces.push(1);
    }
    Plotly.extendTraces(chart, { x: x, y: y }, traces);
  });
})();
