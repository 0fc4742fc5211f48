// The logviewer's page: a page of one worker log (the tail first), paging, download and search.
"use strict";

(async () => {
  const { api, query, el } = storm;
  const file = query.get("file");
  const length = Number(query.get("length") || 51200);
  let start = query.has("start") ? Number(query.get("start")) : null;
  let size = 0;
  document.getElementById("file-name").textContent = " / " + file;
  document.getElementById("download").href = "/api/v1/download?file=" + encodeURIComponent(file);

  async function show() {
    try {
      const page = await api("/api/v1/log?file=" + encodeURIComponent(file) + "&length=" + length + (start === null ? "" : "&start=" + start));
      start = page.start;
      size = page.size;
      document.getElementById("content").textContent = page.content;
      document.getElementById("position").textContent = "bytes " + page.start + "-" + (page.start + page.length) + " of " + page.size;
    } catch (e) {
      storm.showError(e.message);
    }
  }

  document.getElementById("first").onclick = () => { start = 0; show(); };
  document.getElementById("prev").onclick = () => { start = Math.max(0, start - length); show(); };
  document.getElementById("next").onclick = () => { start = Math.min(Math.max(0, size - length), start + length); show(); };
  document.getElementById("last").onclick = () => { start = null; show(); };
  document.getElementById("search-form").onsubmit = async e => {
    e.preventDefault();
    const text = document.getElementById("search").value;
    const target = document.getElementById("matches");
    target.replaceChildren();
    if (!text) return;
    try {
      const found = await api("/api/v1/search?file=" + encodeURIComponent(file) + "&search-string=" + encodeURIComponent(text) + "&num-matches=20");
      if (found.matches.length === 0) target.append(el("p", { class: "muted" }, "no match"));
      for (const m of found.matches) {
        target.append(el("div", { class: "match" }, el("a", { href: m.logviewerURL }, "byte " + m.byteOffset), ": ",
          m.beforeString.slice(-60), el("mark", {}, m.matchString), m.afterString.slice(0, 60)));
      }
    } catch (err) {
      storm.showError(err.message);
    }
  };
  await show();
})();
