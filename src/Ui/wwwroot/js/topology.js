"use strict";

(async () => {
  const { api, table, query, el, status, componentLink, logLink, keyValues, time } = storm;
  const id = query.get("id");
  const win = query.get("window") || ":all-time";
  const sys = query.get("sys") || "0";
  if (!id) { storm.showError("this page needs ?id=<topology id>"); return; }
  const base = "/api/v1/topology/" + encodeURIComponent(id);

  function result(ok, text) {
    const r = document.getElementById("action-result");
    r.className = "result " + (ok ? "ok" : "failed");
    r.textContent = text;
  }

  async function act(op, path, body) {
    try {
      const options = { method: "POST" };
      if (body) { options.body = JSON.stringify(body); options.headers = { "Content-Type": "application/json" }; }
      const reply = await api(base + path, options);
      result(true, op + ": " + reply.status + " (" + reply.topologyId + ")");
      await render();
    } catch (e) {
      result(false, op + " failed: " + e.message);
    }
  }

  function askWait(op, defaultSecs) {
    const answer = window.prompt("Do you really want to " + op + " topology " + id + "? If yes, wait how many seconds first?", String(defaultSecs));
    if (answer === null) return null;
    if (!/^\d+$/.test(answer.trim())) { result(false, op + ": the wait time must be a whole number of seconds"); return null; }
    return answer.trim();
  }

  let msgTimeout = 30;
  document.getElementById("activate").onclick = () => { if (window.confirm("Do you really want to activate topology " + id + "?")) act("activate", "/activate"); };
  document.getElementById("deactivate").onclick = () => { if (window.confirm("Do you really want to deactivate topology " + id + "?")) act("deactivate", "/deactivate"); };
  document.getElementById("rebalance").onclick = () => { const w = askWait("rebalance", msgTimeout); if (w !== null) act("rebalance", "/rebalance/" + w); };
  document.getElementById("kill").onclick = () => { const w = askWait("kill", msgTimeout); if (w !== null) act("kill", "/kill/" + w); };

  let chartsMade = false;
  function makeCharts(t) {
    if (chartsMade) return;
    chartsMade = true;
    const box = document.getElementById("charts");
    const add = (key, spec) => { const d = el("div", { class: "chart", id: "chart-" + key }); box.append(d); live.chart({ ...spec, container: d }); };
    add("topology-throughput", { title: "Topology: tuples per second", unit: "tuples/s", series: [
      { name: "emitted", pick: m => live.field(m.topology, "emitted") },
      { name: "acked", pick: m => live.field(m.topology, "acked") },
      { name: "failed", pick: m => live.field(m.topology, "failed") }] });
    add("topology-latency", { title: "Topology: complete latency", unit: "ms", series: [
      { name: "mean", pick: m => live.field(m.topology, "completeLatencyMs") },
      { name: "p99", pick: m => live.field(m.topology, "latencyP99Ms") }] });
    for (const s of t.spouts) {
      const c = m => live.component(m, s.spoutId);
      add("spout-" + s.spoutId + "-throughput", { title: "Spout " + s.spoutId + ": tuples per second", unit: "tuples/s", series: [
        { name: "emitted", pick: m => live.field(c(m), "emitted") },
        { name: "acked", pick: m => live.field(c(m), "acked") },
        { name: "failed", pick: m => live.field(c(m), "failed") }] });
      add("spout-" + s.spoutId + "-latency", { title: "Spout " + s.spoutId + ": complete latency", unit: "ms", series: [
        { name: "mean", pick: m => live.field(c(m), "completeLatencyMs") },
        { name: "p99", pick: m => live.field(c(m), "latencyP99Ms") }] });
    }
    live.start(id, s => { document.getElementById("live-status").textContent = "(" + s + ")"; });
  }

  async function render() {
    try {
      const t = await api(base + "?window=" + encodeURIComponent(win) + "&sys=" + sys);
      msgTimeout = t.msgTimeout;
      document.title = t.name + " - StormSharp UI";
      document.getElementById("crumbs").textContent = " / topology " + t.name;
      keyValues("summary", [["Name", t.name], ["Id", t.id], ["Owner", t.owner], ["Status", status(t.status)], ["Uptime", t.uptime],
        ["Workers", t.workersTotal], ["Executors", t.executorsTotal], ["Tasks", t.tasksTotal], ["Message timeout (s)", t.msgTimeout], ["Scheduler info", t.schedulerInfo]]);
      storm.windowLinks("windows", t.window);
      table("stats", [
        { title: "Window", value: s => s.windowPretty },
        { title: "Emitted", value: s => s.emitted, num: true },
        { title: "Transferred", value: s => s.transferred, num: true },
        { title: "Complete latency (ms)", value: s => s.completeLatency, num: true },
        { title: "Acked", value: s => s.acked, num: true },
        { title: "Failed", value: s => s.failed, num: true },
      ], t.topologyStats);
      const errorCell = c => c.lastError ? el("span", {}, c.lastError, " ", logLink(c.errorWorkerLogLink, c.errorHost + ":" + c.errorPort)) : "";
      table("spouts", [
        { title: "Id", value: s => componentLink(t.id, s.spoutId) },
        { title: "Executors", value: s => s.executors, num: true },
        { title: "Tasks", value: s => s.tasks, num: true },
        { title: "Emitted", value: s => s.emitted, num: true },
        { title: "Transferred", value: s => s.transferred, num: true },
        { title: "Complete latency (ms)", value: s => s.completeLatency, num: true },
        { title: "Acked", value: s => s.acked, num: true },
        { title: "Failed", value: s => s.failed, num: true },
        { title: "Last error", value: errorCell },
      ], t.spouts);
      table("bolts", [
        { title: "Id", value: b => componentLink(t.id, b.boltId) },
        { title: "Executors", value: b => b.executors, num: true },
        { title: "Tasks", value: b => b.tasks, num: true },
        { title: "Emitted", value: b => b.emitted, num: true },
        { title: "Transferred", value: b => b.transferred, num: true },
        { title: "Capacity (last 10m)", value: b => b.capacity, num: true },
        { title: "Execute latency (ms)", value: b => b.executeLatency, num: true },
        { title: "Executed", value: b => b.executed, num: true },
        { title: "Process latency (ms)", value: b => b.processLatency, num: true },
        { title: "Acked", value: b => b.acked, num: true },
        { title: "Failed", value: b => b.failed, num: true },
        { title: "Last error", value: errorCell },
      ], t.bolts);
      table("workers", [
        { title: "Host", value: w => w.host },
        { title: "Port", value: w => w.port, num: true },
        { title: "Supervisor", value: w => storm.link("/supervisor.html?id=" + encodeURIComponent(w.supervisorId), w.supervisorId) },
        { title: "Uptime", value: w => w.uptime },
        { title: "Executors", value: w => w.executorsTotal, num: true },
        { title: "Components (tasks)", value: w => Object.entries(w.componentNumTasks).map(([c, n]) => c + " (" + n + ")").join(", ") },
        { title: "Log", value: w => logLink(w.workerLogLink, "worker.log") },
      ], t.workers, "no worker assigned");
      const errors = [];
      for (const c of t.spouts.concat(t.bolts)) if (c.lastError) errors.push({ id: c.spoutId || c.boltId, ...c });
      table("errors", [
        { title: "Component", value: e => componentLink(t.id, e.id) },
        { title: "Time", value: e => time(e.errorTime * 1000) },
        { title: "Worker", value: e => logLink(e.errorWorkerLogLink, e.errorHost + ":" + e.errorPort) },
        { title: "Error", value: e => e.lastError },
      ], errors, "no errors");
      table("config", [{ title: "Key", value: kv => kv[0] }, { title: "Value", value: kv => JSON.stringify(kv[1]) }],
        Object.entries(t.configuration).sort((a, b) => a[0] < b[0] ? -1 : 1));
      makeCharts(t);
      await renderLag();
      graph.draw("graph", await api(base + "/visualization?window=600&sys=" + sys), t.id);
    } catch (e) {
      storm.showError(e.message);
    }
  }

  // Kafka spouts' lag, read from Kafka by the UI (Storm's "Topology spouts lag"); the section shows only when the
  // topology has a Kafka spout.
  async function renderLag() {
    const lag = await api(base + "/lag");
    const rows = [];
    for (const spout of Object.values(lag)) {
      if (spout.errorInfo) { rows.push({ spoutId: spout.spoutId, error: spout.errorInfo }); continue; }
      for (const [topic, partitions] of Object.entries(spout.spoutLagResult))
        for (const [partition, p] of Object.entries(partitions)) rows.push({ spoutId: spout.spoutId, topic, partition, ...p });
    }
    document.getElementById("lag-section").hidden = rows.length === 0;
    if (rows.length === 0) return;
    table("lag", [
      { title: "Spout", value: r => componentLink(id, r.spoutId) },
      { title: "Topic", value: r => r.error || r.topic },
      { title: "Partition", value: r => r.partition ?? "", num: true },
      { title: "Committed offset", value: r => r.consumerCommittedOffset ?? "", num: true },
      { title: "Log head offset", value: r => r.logHeadOffset ?? "", num: true },
      { title: "Lag", value: r => r.lag ?? "", num: true },
    ], rows);
  }

  await render();
})();
