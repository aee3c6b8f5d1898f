/* charts.js: draws every <canvas data-chart> with the vendored Chart.js.
 * The canvas carries {type, labels, datasets:[{label, data}]} as JSON; colours
 * come from the CSS custom properties (--accent, --chart-2..6) so each portal's
 * charts match its theme. The <details> data table beside it stays the
 * no-JS and screen-reader version. Load after vendor/chart.umd.min.js.
 */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") return;

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
  }

  function palette() {
    return [
      cssVar("--accent", "#1d4ed8"),
      cssVar("--chart-2", "#b45309"),
      cssVar("--chart-3", "#047857"),
      cssVar("--chart-4", "#be123c"),
      cssVar("--chart-5", "#6d28d9"),
      cssVar("--chart-6", "#475569")
    ];
  }

  function draw(canvas) {
    if (window.Chart.getChart(canvas)) return; // already drawn (htmx re-processing)
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute("data-chart"));
    } catch (err) {
      console.error("charts.js: bad data-chart on #" + canvas.id, err);
      return;
    }
    // Height comes from a data attribute: style="" is not allowed by the CSP,
    // but setting it through the CSSOM is.
    var box = canvas.parentElement;
    if (box && box.dataset.height) box.style.height = box.dataset.height + "px";

    var colours = palette();
    var perPoint = spec.type === "pie" || spec.type === "doughnut" || spec.type === "polarArea";
    var datasets = (spec.datasets || []).map(function (ds, i) {
      var colour = colours[i % colours.length];
      return {
        label: ds.label,
        // Decimal values arrive as strings from Flask's JSON encoder.
        data: (ds.data || []).map(function (v) { return v === null ? null : Number(v); }),
        backgroundColor: perPoint ? colours : colour,
        borderColor: perPoint ? cssVar("--color-surface", "#fff") : colour,
        borderWidth: 2,
        tension: 0.2
      };
    });

    var text = cssVar("--color-text-muted", "#4a5562");
    var grid = cssVar("--color-border", "#d5dae1");
    var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = text;

    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        plugins: { legend: { display: perPoint || datasets.length > 1 } },
        scales: perPoint ? {} : {
          x: { grid: { color: grid } },
          y: { beginAtZero: true, grid: { color: grid } }
        }
      }
    });
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("canvas[data-chart]")) draw(scope);
    scope.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  // Free charts that htmx is about to remove.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("canvas[data-chart]")) {
      var chart = window.Chart.getChart(elt);
      if (chart) chart.destroy();
    }
  });
  document.addEventListener("htmx:load", function (event) { drawAll(event.detail.elt); });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
})();
