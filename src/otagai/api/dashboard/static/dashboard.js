/* The municipal dashboard's charts, drawn with the vendored Chart.js from the data block
 * the server wrote into the page. A suppressed value arrives as null and stays null:
 * Chart.js leaves a gap in the line there (spanGaps: false), it never draws a zero.
 *
 * After drawing, the page says what it drew, so a test (or a curious person with the
 * inspector) can check it: <body data-charts-drawn="N">, and on each canvas
 * data-gaps="kind:YYYY-MM ..." (the points Chart.js skipped) and data-inked-pixels. */
"use strict";

(function () {
  var COLORS = { pickup: "#0072b2", babysitting: "#d55e00", lending: "#009e73" };
  var POINTS = { pickup: "circle", babysitting: "triangle", lending: "rectRounded" };
  var payload = JSON.parse(document.getElementById("dashboard-data").textContent);

  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.color = "#1f2933";

  function monthTick(label) {
    var parts = label.split("-");
    return parts[0] + "/" + parts[1];
  }

  // A pale band behind each month where some line of the chart is withheld, so a gap
  // reads as "not published" rather than as a drawing glitch.
  var suppressedBands = {
    id: "suppressedBands",
    beforeDatasetsDraw: function (chart, _args, opts) {
      if (!opts.months.length) return;
      var x = chart.scales.x;
      var area = chart.chartArea;
      var step = chart.data.labels.length > 1 ? x.getPixelForValue(1) - x.getPixelForValue(0) : 40;
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "rgba(230, 207, 110, 0.28)";
      opts.months.forEach(function (i) {
        var left = Math.max(area.left, x.getPixelForValue(i) - step / 2);
        var right = Math.min(area.right, x.getPixelForValue(i) + step / 2);
        ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
      });
      ctx.restore();
    }
  };

  function suppressedMonths(spec) {
    return payload.months
      .map(function (_, i) { return i; })
      .filter(function (i) { return spec.series.some(function (s) { return s.suppressed[i]; }); });
  }

  function options(spec) {
    var percent = spec.unit === "%";
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      spanGaps: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { callback: function (value) { return monthTick(this.getLabelForValue(value)); } } },
        y: {
          beginAtZero: true,
          suggestedMax: percent ? 100 : 5,
          ticks: {
            precision: 0,
            callback: function (value) { return percent ? value + "%" : value.toLocaleString("ja-JP"); }
          },
          title: { display: true, text: spec.unit }
        }
      },
      plugins: {
        suppressedBands: { months: suppressedMonths(spec) },
        legend: { position: "bottom", labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: function (item) {
              return item.dataset.label + "：" + item.formattedValue + (percent ? "%" : spec.unit);
            }
          }
        }
      }
    };
  }

  function dataset(series) {
    return {
      label: series.label,
      data: series.values,
      borderColor: COLORS[series.kind],
      backgroundColor: COLORS[series.kind],
      pointStyle: POINTS[series.kind],
      pointRadius: 4,
      borderWidth: 2,
      tension: 0
    };
  }

  function gapsOf(chart, spec) {
    var gaps = [];
    chart.data.datasets.forEach(function (_, i) {
      chart.getDatasetMeta(i).data.forEach(function (point, j) {
        if (point.skip) gaps.push(spec.series[i].kind + ":" + payload.months[j]);
      });
    });
    return gaps;
  }

  function inkedPixels(canvas) {
    var pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    var count = 0;
    for (var i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) count += 1;
    return count;
  }

  var drawn = 0;
  payload.charts.forEach(function (spec) {
    var canvas = document.getElementById("chart-" + spec.id);
    var chart = new Chart(canvas, {
      type: "line",
      data: { labels: payload.months, datasets: spec.series.map(dataset) },
      options: options(spec),
      plugins: [suppressedBands]
    });
    canvas.dataset.gaps = gapsOf(chart, spec).join(" ");
    canvas.dataset.inkedPixels = String(inkedPixels(canvas));
    drawn += 1;
  });
  document.body.dataset.chartsDrawn = String(drawn);
})();
