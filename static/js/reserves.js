// Transparency token page: draws the backing ratio history (a plotly figure built on the
// server, read from a json_script tag). plotly.js is served from static/.
(function () {
  "use strict";
  var node = document.getElementById("ratio-chart");
  var data = document.getElementById("ratio-figure");
  if (!node || !data || !window.Plotly) return;
  var figure = JSON.parse(data.textContent);
  Plotly.newPlot(node, figure.data, figure.layout, { displaylogo: false, responsive: true });
})();
