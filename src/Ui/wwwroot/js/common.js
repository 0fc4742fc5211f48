// Shared by every page: reading the REST API, tables, formatting, errors shown on the page.
"use strict";

const storm = (() => {
  const query = new URLSearchParams(window.location.search);

  function showError(message) {
    const banner = document.getElementById("error");
    if (banner) {
      banner.textContent = message;
      banner.style.display = "block";
    }
  }

  // With security on, a POST from the page carries the session's anti-forgery token (from /api/v1/session).
  let csrfToken = null;
  async function csrf() {
    if (csrfToken === null) {
      const session = await (await fetch("/api/v1/session")).json().catch(() => ({}));
      csrfToken = session && session.csrfToken ? session.csrfToken : "";
    }
    return csrfToken;
  }

  async function api(path, options) {
    let response;
    try {
      if (options && options.method && options.method !== "GET") {
        const token = await csrf();
        if (token) options.headers = Object.assign({}, options.headers, { "X-CSRF-Token": token });
      }
      response = await fetch(path, options);
    } catch (e) {
      throw new Error("the UI cannot be reached: " + e.message);
    }
    if (response.status === 401) {
      window.location.href = "/login.html?next=" + encodeURIComponent(window.location.pathname + window.location.search);
      throw new Error("401: log in first");
    }
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = null; }
    if (!response.ok) {
      const message = body && body.errorMessage ? body.error + ": " + body.errorMessage : response.status + " " + response.statusText;
      throw new Error(message);
    }
    return body;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.substring(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function link(href, text) { return el("a", { href }, text); }

  // columns: [{ title, value: row => text | Node, num: bool }]
  function table(id, columns, rows, empty) {
    const target = document.getElementById(id);
    target.replaceChildren();
    if (!rows || rows.length === 0) {
      target.append(el("p", { class: "muted" }, empty || "none"));
      return;
    }
    const head = el("tr", {}, ...columns.map(c => el("th", {}, c.title)));
    const body = rows.map(r => el("tr", {}, ...columns.map(c => el("td", c.num ? { class: "num" } : {}, c.value(r)))));
    target.append(el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
  }

  function keyValues(id, pairs) {
    table(id, pairs.map(([title, value]) => ({ title, value: () => value })), [{}]);
  }

  function status(s) { return el("span", { class: "status-" + s }, s); }

  function time(ms) { return ms ? new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : ""; }

  function topologyLink(id, name) { return link("/topology.html?id=" + encodeURIComponent(id), name || id); }

  function componentLink(topologyId, component) {
    return link("/component.html?id=" + encodeURIComponent(component) + "&topology_id=" + encodeURIComponent(topologyId), component);
  }

  function logLink(url, text) { return url ? el("a", { href: url, class: "log-link" }, text || "log") : ""; }

  function windowLinks(id, current) {
    const target = document.getElementById(id);
    target.replaceChildren("Window: ");
    for (const [w, name] of [["600", "10m"], ["10800", "3h"], ["86400", "1d"], [":all-time", "all time"]]) {
      const params = new URLSearchParams(window.location.search);
      params.set("window", w);
      target.append(el("a", { href: "?" + params.toString(), class: w === current ? "current" : "" }, name));
    }
  }

  return { query, api, el, link, table, keyValues, status, time, topologyLink, componentLink, logLink, showError, windowLinks };
})();
