"use strict";

(async () => {
  const { api, table, link, status, topologyLink } = storm;
  try {
    const [cluster, nimbuses, topologies, supervisors] = await Promise.all([
      api("/api/v1/cluster/summary"), api("/api/v1/nimbus/summary"), api("/api/v1/topology/summary"), api("/api/v1/supervisor/summary")]);
    table("cluster", [
      { title: "Version", value: c => c.stormVersion },
      { title: "Supervisors", value: c => c.supervisors, num: true },
      { title: "Used slots", value: c => c.slotsUsed, num: true },
      { title: "Free slots", value: c => c.slotsFree, num: true },
      { title: "Total slots", value: c => c.slotsTotal, num: true },
      { title: "Executors", value: c => c.executorsTotal, num: true },
      { title: "Tasks", value: c => c.tasksTotal, num: true },
    ], [cluster]);
    table("nimbuses", [
      { title: "Host", value: n => n.host },
      { title: "Port", value: n => n.port, num: true },
      { title: "Status", value: n => n.status },
      { title: "Version", value: n => n.version },
      { title: "Uptime", value: n => n.nimbusUpTime },
    ], nimbuses.nimbuses, "no Nimbus registered");
    table("topologies", [
      { title: "Name", value: t => topologyLink(t.id, t.name) },
      { title: "Id", value: t => t.id },
      { title: "Owner", value: t => t.owner },
      { title: "Status", value: t => status(t.status) },
      { title: "Uptime", value: t => t.uptime },
      { title: "Workers", value: t => t.workersTotal, num: true },
      { title: "Executors", value: t => t.executorsTotal, num: true },
      { title: "Tasks", value: t => t.tasksTotal, num: true },
      { title: "Scheduler info", value: t => t.schedulerInfo },
    ], topologies.topologies, "no topology running");
    table("supervisors", [
      { title: "Id", value: s => link("/supervisor.html?id=" + encodeURIComponent(s.id), s.id) },
      { title: "Host", value: s => s.host },
      { title: "Uptime", value: s => s.uptime },
      { title: "Slots", value: s => s.slotsTotal, num: true },
      { title: "Used slots", value: s => s.slotsUsed, num: true },
      { title: "Free slots", value: s => s.slotsFree, num: true },
    ], supervisors.supervisors, "no supervisor registered");
  } catch (e) {
    storm.showError(e.message);
  }
})();
