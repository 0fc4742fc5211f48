// The topology graph: components as circles sized by their rate over the window, edges per input stream, laid out
// left to right by distance from the spouts.
"use strict";

const graph = (() => {
  const ns = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function draw(containerId, data, topologyId) {
    const target = document.getElementById(containerId);
    target.replaceChildren();
    const ids = Object.keys(data).sort();
    if (ids.length === 0) { target.textContent = "no components"; return; }
    const depth = {};
    const depthOf = (id, seen) => {
      if (depth[id] !== undefined) return depth[id];
      if (seen.has(id)) return 0;
      seen.add(id);
      const inputs = (data[id][":inputs"] || []).filter(i => data[i[":component"]]);
      const d = data[id][":type"] === "spout" || inputs.length === 0 ? 0 : 1 + Math.max(...inputs.map(i => depthOf(i[":component"], seen)));
      depth[id] = d;
      return d;
    };
    ids.forEach(id => depthOf(id, new Set()));
    const columns = {};
    ids.forEach(id => (columns[depth[id]] = columns[depth[id]] || []).push(id));
    const rate = id => Math.max(data[id][":emitted"] || 0, data[id][":transferred"] || 0);
    const maxRate = Math.max(1, ...ids.map(rate));
    const pos = {};
    const colCount = Object.keys(columns).length;
    const rows = Math.max(...Object.values(columns).map(c => c.length));
    const width = Math.max(400, colCount * 220), height = Math.max(160, rows * 120);
    for (const [d, list] of Object.entries(columns)) {
      list.forEach((id, i) => { pos[id] = { x: 110 + Number(d) * 220, y: (i + 0.5) * height / list.length }; });
    }
    const root = svg("svg", { class: "graph", width, height, viewBox: "0 0 " + width + " " + height });
    root.append(svg("defs", {}));
    const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "6", markerHeight: "6", orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#888" }));
    root.firstChild.append(marker);
    const radius = id => 14 + 26 * Math.sqrt(rate(id) / maxRate);
    for (const id of ids) {
      for (const input of data[id][":inputs"] || []) {
        const from = pos[input[":component"]], to = pos[id];
        if (!from || !to) continue;
        const dx = to.x - from.x, dy = to.y - from.y, len = Math.max(1, Math.hypot(dx, dy));
        const r1 = radius(input[":component"]), r2 = radius(id);
        root.append(svg("line", { x1: from.x + dx * r1 / len, y1: from.y + dy * r1 / len, x2: to.x - dx * r2 / len, y2: to.y - dy * r2 / len,
          stroke: "#888", "stroke-width": 1.5, "marker-end": "url(#arrow)", class: "edge" }));
        root.append(svg("text", { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 - 6, "text-anchor": "middle", fill: "#555" },
          input[":stream"] + " (" + input[":grouping"] + ")"));
      }
    }
    for (const id of ids) {
      const p = pos[id];
      const a = svg("a", { href: data[id][":link"] });
      a.append(svg("circle", { cx: p.x, cy: p.y, r: radius(id), fill: data[id][":type"] === "spout" ? "#5b9bd5" : "#70ad47", opacity: 0.85, class: "node" }));
      a.append(svg("text", { x: p.x, y: p.y + radius(id) + 14, "text-anchor": "middle" }, id));
      const title = svg("title", {}, id + ": " + rate(id) + " transferred in 10m, latency " + Number(data[id][":latency"]).toFixed(3) + " ms"
        + (data[id][":type"] === "bolt" ? ", capacity " + Number(data[id][":capacity"]).toFixed(3) : ""));
      a.append(title);
      root.append(a);
    }
    target.append(root);
  }

  return { draw };
})();
