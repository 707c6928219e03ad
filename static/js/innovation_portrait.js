/* A firm's innovation portrait (templates/innovation/_portrait.html): its points against its cohort's
   median and top decile, per group and per indicator (horizontal bars), and its rank over the rounds.
   Every figure is written on the chart, not only in tooltips. Apache ECharts, served by the app;
   SVG renderer: crisp in print. The figures and names come from the JSON block beside the charts. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var COLORS = { firm: "#0d6efd", median: "#6c757d", top: "#fd7e14" };
  var charts = [];

  function fixed(v) { return Number(v).toFixed(2); }

  function init(root, name) {
    var el = root.querySelector('[data-chart="' + name + '"]');
    if (!el) { return null; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  function bars(chart, d, names, axisWidth) {
    function series(key) {
      return {
        type: "bar", name: names[key], data: d[key], barGap: "10%", barMaxWidth: 12,
        itemStyle: { color: COLORS[key] },
        label: { show: true, position: "right", fontSize: 10, color: COLORS[key], formatter: function (p) { return fixed(p.value); } }
      };
    }
    var most = Math.max.apply(null, d.max);
    chart.setOption({
      animation: false,
      legend: { top: 0, data: [names.firm, names.median, names.top] },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: fixed },
      grid: { left: 8, right: 40, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: names.points, max: function (v) { return Math.max(v.max, most); } },
      yAxis: {
        type: "category", inverse: true,
        // Each row names its full points (the indicator's weight for the firm's stage).
        data: d.labels.map(function (label, i) { return label + "（" + d.max[i] + names.points + "）"; }),
        axisLabel: { width: axisWidth, overflow: "break", fontSize: 11, lineHeight: 13 }
      },
      series: [series("firm"), series("median"), series("top")]
    });
  }

  function history(chart, data) {
    var h = data.history;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", formatter: function (items) { return echarts.format.encodeHTML(items[0].name) + "<br>" + echarts.format.encodeHTML(h.text[items[0].dataIndex]); } },
      grid: { left: 50, right: 60, top: 40, bottom: 30 },
      xAxis: { type: "category", data: h.labels, boundaryGap: true },
      yAxis: { type: "value", name: h.axis, nameLocation: "start", inverse: true, scale: true, minInterval: 1 },
      series: [{
        type: "line", data: h.rank, symbolSize: 8, itemStyle: { color: COLORS.firm },
        label: { show: true, position: "top", formatter: function (p) { return h.text[p.dataIndex]; } }
      }]
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".innovation-portrait"), function (root) {
    var source = root.querySelector("script.innovation-portrait-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = data.groups && init(root, "groups");
    if (chart) { bars(chart, data.groups, data.names, 110); }
    chart = data.indicators && init(root, "indicators");
    if (chart) { bars(chart, data.indicators, data.names, 220); }
    chart = init(root, "history");
    if (chart) { history(chart, data); }
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
