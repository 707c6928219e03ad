/* Plan dashboard charts (Apache ECharts, served by the app itself). SVG renderer: crisp in print. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];

  function init(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  function label(series, value) {
    if (value === null || value === undefined) { return "—"; }
    return series.ratio ? (value * 100).toFixed(2) + "%" : String(value);
  }

  var funnel = init("chart-funnel");
  if (funnel) {
    funnel.setOption({
      tooltip: { trigger: "item", formatter: "{b}：{c}" },
      series: [{
        type: "funnel", sort: "none", minSize: "15%", gap: 2,
        label: { show: true, position: "inside", formatter: "{b} {c}" },
        data: data.funnel
      }]
    });
  }

  var districts = init("chart-districts");
  function drawDistricts(index) {
    var s = data.series[index];
    districts.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return label(s, v); } },
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: data.districts },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return label(s, v); } } },
      series: [{ type: "bar", name: s.name, data: s.data }]
    }, true);
  }
  if (districts && data.series.length) {
    drawDistricts(0);
    document.getElementById("district-metric").addEventListener("change", function (e) {
      drawDistricts(Number(e.target.value));
    });
  }

  var trend = init("chart-trend");
  if (trend && data.trend_url) {
    trend.showLoading();
    fetch(data.trend_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (t) {
        trend.hideLoading();
        var counts = t.series.filter(function (s) { return !s.ratio; });
        var ratios = t.series.filter(function (s) { return s.ratio; });
        trend.setOption({
          tooltip: { trigger: "axis" },
          legend: { type: "scroll", top: 0 },
          grid: { left: 60, right: 60, top: 40, bottom: 30 },
          xAxis: { type: "category", data: t.years.map(String) },
          yAxis: [
            { type: "value", name: "家/个" },
            { type: "value", name: "%", axisLabel: { formatter: function (v) { return (v * 100).toFixed(0) + "%"; } } }
          ],
          series: counts.map(function (s) { return { type: "line", name: s.name, data: s.data }; })
            .concat(ratios.map(function (s) { return { type: "line", name: s.name, yAxisIndex: 1, data: s.data }; }))
        });
      })
      .catch(function () { trend.hideLoading(); });
  }

  // Innovation points: 五星, 四星, 三星 firms per district, stacked (the city page only).
  var stars = init("chart-stars");
  if (stars && data.stars) {
    stars.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 40 },
      xAxis: { type: "category", data: data.stars.districts },
      yAxis: { type: "value", minInterval: 1 },
      series: data.stars.series.map(function (s) {
        return { type: "bar", stack: "stars", name: s.name, data: s.data };
      })
    });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
