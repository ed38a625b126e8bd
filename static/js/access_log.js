// Back office access log: blocked requests per country per day, stacked (data from a
// json_script tag; no inline script under the Content-Security-Policy).
(function () {
  "use strict";
  var node = document.getElementById("blocks-chart");
  var data = document.getElementById("blocks-data");
  if (!node || !data || !window.Plotly) return;
  Plotly.newPlot(
    node,
    JSON.parse(data.textContent),
    { barmode: "stack", margin: { t: 10, r: 10, b: 40, l: 40 }, xaxis: { type: "date" }, yaxis: { title: "blocks" } },
    { displaylogo: false, responsive: true }
  );
})();
