// Live per-second charts: one server-sent event stream per page (history first, then each second's points), the
// last 15 minutes kept in the browser. On reconnection (the UI restarted, say) the history replaces what was drawn.
"use strict";

const live = (() => {
  const keepMs = 15 * 60 * 1000;
  const charts = [];
  const state = { histories: 0 };

  Highcharts.setOptions({
    accessibility: { enabled: false },
    chart: { animation: false, zooming: { type: "x" } },
    plotOptions: { series: { animation: false, marker: { enabled: false }, states: { hover: { lineWidthPlus: 0 } } } },
    xAxis: { type: "datetime" },
    credits: { enabled: true },
    time: { timezone: undefined },
  });

  // spec: { container, title, unit, series: [{ name, pick: msg => { t: [], v: [] } }] }
  function chart(spec) {
    const c = Highcharts.chart(spec.container, {
      title: { text: spec.title, style: { fontSize: "14px" } },
      yAxis: { title: { text: spec.unit }, min: 0 },
      legend: { enabled: true },
      series: spec.series.map(s => ({ name: s.name, type: "line", data: [] })),
    });
    charts.push({ chart: c, spec });
    return c;
  }

  function points(picked) {
    const out = [];
    if (!picked) return out;
    for (let i = 0; i < picked.t.length; i++) out.push([picked.t[i], picked.v[i]]);
    return out;
  }

  function onHistory(msg) {
    state.histories++;
    for (const { chart, spec } of charts) {
      spec.series.forEach((s, i) => chart.series[i].setData(points(s.pick(msg)), false));
      chart.redraw(false);
    }
  }

  function onPoints(msg) {
    const horizon = msg.nowMs - keepMs;
    for (const { chart, spec } of charts) {
      spec.series.forEach((s, i) => {
        const series = chart.series[i];
        for (const p of points(s.pick(msg))) series.addPoint(p, false, false, false);
        while (series.data.length > 0 && series.data[0].x < horizon) series.data[0].remove(false, false);
      });
      chart.redraw(false);
    }
  }

  function start(topologyId, onStatus) {
    const source = new EventSource("/api/v1/topology/" + encodeURIComponent(topologyId) + "/series/stream");
    source.addEventListener("history", e => { onHistory(JSON.parse(e.data)); onStatus && onStatus("live"); });
    source.addEventListener("points", e => onPoints(JSON.parse(e.data)));
    source.addEventListener("unavailable", e => onStatus && onStatus("Nimbus unavailable: " + JSON.parse(e.data).errorMessage));
    source.addEventListener("gone", () => { source.close(); onStatus && onStatus("the topology is gone"); });
    source.onerror = () => onStatus && onStatus("reconnecting");
    window.addEventListener("beforeunload", () => source.close());
    return source;
  }

  // Picks of the stream's messages.
  function field(obj, name) { return obj ? { t: obj.t, v: obj[name] } : null; }
  function component(msg, id) { return msg.components.find(c => c.id === id); }
  function executor(msg, componentId, executorId) {
    const c = component(msg, componentId);
    return c ? c.executors.find(e => e.id === executorId) : null;
  }

  return { chart, start, charts, field, component, executor, get histories() { return state.histories; } };
})();
