"use strict";

(async () => {
  const { api, table, query, topologyLink, logLink } = storm;
  const id = query.get("id");
  const host = query.get("host");
  try {
    if (!id && !host) throw new Error("this page needs ?id=<supervisor id>");
    const data = await api("/api/v1/supervisor?" + (id ? "id=" + encodeURIComponent(id) : "host=" + encodeURIComponent(host)));
    document.getElementById("crumbs").textContent = " / supervisor " + (id || host);
    table("supervisor", [
      { title: "Id", value: s => s.id },
      { title: "Host", value: s => s.host },
      { title: "Uptime", value: s => s.uptime },
      { title: "Slots", value: s => s.slotsTotal, num: true },
      { title: "Used slots", value: s => s.slotsUsed, num: true },
      { title: "Version", value: s => s.version },
    ], data.supervisors);
    table("workers", [
      { title: "Topology", value: w => topologyLink(w.topologyId, w.topologyName) },
      { title: "Host", value: w => w.host },
      { title: "Port", value: w => w.port, num: true },
      { title: "Uptime", value: w => w.uptime },
      { title: "Executors", value: w => w.executorsTotal, num: true },
      { title: "Components (tasks)", value: w => Object.entries(w.componentNumTasks).map(([c, n]) => c + " (" + n + ")").join(", ") },
      { title: "Log", value: w => logLink(w.workerLogLink, "worker.log") },
    ], data.workers, "no worker runs here");
  } catch (e) {
    storm.showError(e.message);
  }
})();
