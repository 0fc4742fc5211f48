"use strict";

(async () => {
  const { api, table, query, el, status, keyValues, logLink, time, topologyLink } = storm;
  const id = query.get("id");
  const topologyId = query.get("topology_id");
  const win = query.get("window") || ":all-time";
  const sys = query.get("sys") || "0";
  try {
    if (!id || !topologyId) throw new Error("this page needs ?id=<component>&topology_id=<topology id>");
    const c = await api("/api/v1/topology/" + encodeURIComponent(topologyId) + "/component/" + encodeURIComponent(id) + "?window=" + encodeURIComponent(win) + "&sys=" + sys);
    const spout = c.componentType === "spout";
    document.title = c.id + " - StormSharp UI";
    const crumbs = document.getElementById("crumbs");
    crumbs.replaceChildren(" / ", topologyLink(c.topologyId, c.name), " / " + c.id);
    keyValues("summary", [["Id", c.id], ["Topology", topologyLink(c.topologyId, c.name)], ["Status", status(c.topologyStatus)], ["Type", c.componentType],
      ["Executors", c.executors], ["Tasks", c.tasks], ...(c.heldTuples !== undefined ? [["Tuples held in windows", c.heldTuples]] : [])]);
    storm.windowLinks("windows", c.window);
    const latencyColumns = spout
      ? [{ title: "Complete latency (ms)", value: s => s.completeLatency, num: true }]
      : [{ title: "Execute latency (ms)", value: s => s.executeLatency, num: true }, { title: "Executed", value: s => s.executed, num: true },
        { title: "Process latency (ms)", value: s => s.processLatency, num: true }];
    table("stats", [
      { title: "Window", value: s => s.windowPretty },
      { title: "Emitted", value: s => s.emitted, num: true },
      { title: "Transferred", value: s => s.transferred, num: true },
      ...latencyColumns,
      { title: "Acked", value: s => s.acked, num: true },
      { title: "Failed", value: s => s.failed, num: true },
    ], spout ? c.spoutSummary : c.boltStats);
    if (spout) {
      document.getElementById("inputs").append(el("p", { class: "muted" }, "a spout has no inputs"));
    } else {
      table("inputs", [
        { title: "Component", value: s => storm.componentLink(c.topologyId, s.component) },
        { title: "Stream", value: s => s.stream },
        { title: "Execute latency (ms)", value: s => s.executeLatency, num: true },
        { title: "Executed", value: s => s.executed, num: true },
        { title: "Process latency (ms)", value: s => s.processLatency, num: true },
        { title: "Acked", value: s => s.acked, num: true },
        { title: "Failed", value: s => s.failed, num: true },
      ], c.inputStats, "nothing received in this window");
    }
    table("outputs", [
      { title: "Stream", value: s => s.stream },
      { title: "Emitted", value: s => s.emitted, num: true },
      { title: "Transferred", value: s => s.transferred, num: true },
      ...(spout ? [{ title: "Complete latency (ms)", value: s => s.completeLatency, num: true }, { title: "Acked", value: s => s.acked, num: true }, { title: "Failed", value: s => s.failed, num: true }] : []),
    ], c.outputStats, "nothing emitted in this window");
    table("executors", [
      { title: "Id", value: e => e.id },
      { title: "Uptime", value: e => e.uptime },
      { title: "Host:port", value: e => logLink(e.workerLogLink, e.host + ":" + e.port) },
      { title: "Emitted", value: e => e.emitted, num: true },
      { title: "Transferred", value: e => e.transferred, num: true },
      ...(spout ? [{ title: "Complete latency (ms)", value: e => e.completeLatency, num: true }]
        : [{ title: "Capacity (last 10m)", value: e => e.capacity, num: true }, { title: "Execute latency (ms)", value: e => e.executeLatency, num: true },
          { title: "Executed", value: e => e.executed, num: true }, { title: "Process latency (ms)", value: e => e.processLatency, num: true },
          ...(c.heldTuples !== undefined ? [{ title: "Held in windows", value: e => e.heldTuples, num: true }] : [])]),
      { title: "Acked", value: e => e.acked, num: true },
      { title: "Failed", value: e => e.failed, num: true },
    ], c.executorStats, "no executor has reported yet");
    table("errors", [
      { title: "Time", value: e => time(e.errorTime) },
      { title: "Task", value: e => e.task, num: true },
      { title: "Worker", value: e => logLink(e.errorWorkerLogLink, e.errorHost + ":" + e.errorPort) },
      { title: "Error", value: e => el("pre", {}, e.error) },
    ], c.componentErrors, "no errors");

    const box = document.getElementById("charts");
    const executorIds = c.executorStats.map(e => e.id);
    const add = (key, title, unit, fieldName) => {
      const d = el("div", { class: "chart", id: "chart-" + key });
      box.append(d);
      live.chart({ container: d, title, unit, series: executorIds.map(e => ({ name: e, pick: m => live.field(live.executor(m, c.id, e), fieldName) })) });
    };
    if (spout) {
      add("emitted", "Emitted per second", "tuples/s", "emitted");
      add("acked", "Acked per second", "trees/s", "acked");
      add("complete-latency", "Complete latency (mean)", "ms", "completeLatencyMs");
      add("complete-latency-p99", "Complete latency (p99)", "ms", "latencyP99Ms");
    } else {
      add("executed", "Executed per second", "tuples/s", "executed");
      add("execute-latency", "Execute latency", "ms", "executeLatencyMs");
      add("process-latency", "Process latency", "ms", "processLatencyMs");
      add("capacity", "Capacity", "share of time executing", "capacity");
    }
    live.start(c.topologyId, s => { document.getElementById("live-status").textContent = "(" + s + ")"; });
  } catch (e) {
    storm.showError(e.message);
  }
})();
