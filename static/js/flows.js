/* Flows of the ladder: per stage, each year's entries (up) and exits (down) stacked by why
   (Apache ECharts, as the dashboard; the data is the JSON in #flows-data, no inline script). */
(function () {
  "use strict";
  var source = document.getElementById("flows-data");
  var el = document.getElementById("chart-flows");
  var select = document.getElementById("flows-stage");
  if (!source || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "svg" });

  function stageOf(code) {
    for (var i = 0; i < data.stages.length; i++) {
      if (data.stages[i].code === code) { return data.stages[i]; }
    }
    return data.stages[0];
  }

  function shown(v) { return v === null || v === undefined ? "—" : String(Math.abs(v)); }

  function draw(code) {
    var stage = stageOf(code);
    chart.setOption({
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (params) {
          if (!params.length) { return ""; }
          var i = params[0].dataIndex;
          var lines = [params[0].axisValue + " · " + stage.name,
            data.labels.start + "：" + shown(stage.start[i])];
          params.forEach(function (p) {
            if (p.value) { lines.push(p.marker + p.seriesName + "：" + shown(p.value)); }
          });
          lines.push(data.labels.end + "：" + shown(stage.end[i]));
          return lines.join("<br>");
        }
      },
      legend: { type: "scroll", top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return String(Math.abs(v)); } } },
      series: stage.series.map(function (s) {
        return { type: "bar", name: s.name, stack: s.stack, data: s.data, itemStyle: { color: s.color },
                 emphasis: { focus: "series" } };
      })
    }, true);
  }

  draw(select ? select.value : data["default"]);
  if (select) {
    select.addEventListener("change", function (e) { draw(e.target.value); });
  }
  window.addEventListener("resize", function () { chart.resize(); });
})();
