// The back office's access-log chart: a plotly figure built on the server (apps/compliance/charts.py).
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("blocks-data");
    var target = document.getElementById("blocks-chart");
    if (!data || !target || !window.Plotly) return;
    var figure = JSON.parse(data.textContent);
    window.Plotly.newPlot(target, figure.data, figure.layout, { displaylogo: false, responsive: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
