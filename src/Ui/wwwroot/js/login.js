// The login page: sends the pasted token to /api/v1/login, which sets the session cookie, then goes back.
"use strict";

(() => {
  // Only a path of this UI is a place to go back to, never another site.
  const next = storm.query.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/index.html";

  document.getElementById("login").addEventListener("submit", async event => {
    event.preventDefault();
    const token = document.getElementById("token").value.trim();
    const response = await fetch("/api/v1/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
    });
    if (response.ok) {
      window.location.href = target;
      return;
    }
    const body = await response.json().catch(() => null);
    storm.showError(body && body.errorMessage ? body.errorMessage : response.status + " " + response.statusText);
  });
})();
