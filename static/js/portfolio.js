// My holdings: draws the portfolio's value over time (a plotly figure built on the server,
// read from a json_script tag; no inline script under the Content-Security-Policy).
(function () {
  "use strict";
  var node = document.getElementById("portfolio-chart");
  var data = document.getElementById("portfolio-figure");
  if (!node || !data || !window.Plotly) return;
  var figure = JSON.parse(data.textContent);
  Plotly.newPlot(node, figure.data, figure.layout, { displaylogo: false, responsive: true });
})();
