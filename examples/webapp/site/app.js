// The front end: lists the items from GET /items and creates one with
// POST /items (the token goes in the Authorization header). config.js,
// written at deploy time, sets window.WEBAPP_CONFIG = { apiUrl: "..." }.
(function () {
  "use strict";
  const apiUrl = ((window.WEBAPP_CONFIG || {}).apiUrl || "").replace(/\/$/, "");
  const list = document.getElementById("items");
  const message = document.getElementById("message");
  const form = document.getElementById("create");
  const name = document.getElementById("name");
  const token = document.getElementById("token");
  token.value = sessionStorage.getItem("token") || "";

  function show(items) {
    list.replaceChildren(
      ...items.map((item) => {
        const li = document.createElement("li");
        li.dataset.id = item.id;
        const label = document.createElement("span");
        label.className = "name";
        label.textContent = item.name;
        const status = document.createElement("span");
        status.className = "status " + item.status;
        status.textContent = item.status;
        li.append(label, status);
        return li;
      }),
    );
  }

  async function refresh() {
    const r = await fetch(apiUrl + "/items");
    if (!r.ok) throw new Error("listing failed: HTTP " + r.status);
    const items = (await r.json()).items;
    show(items);
    return items;
  }

  async function create(event) {
    event.preventDefault();
    message.textContent = "";
    sessionStorage.setItem("token", token.value);
    let r;
    try {
      r = await fetch(apiUrl + "/items", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer " + token.value },
        body: JSON.stringify({ name: name.value }),
      });
    } catch (err) {
      // The gateway's own 401 / 403 may come without CORS headers, which
      // the browser reports as a network error.
      message.textContent = "The API refused the request or could not be reached.";
      return;
    }
    if (r.status === 401 || r.status === 403) {
      message.textContent = "The API refused the token.";
      return;
    }
    if (!r.ok) {
      message.textContent = "Could not add the item: HTTP " + r.status;
      return;
    }
    name.value = "";
    await refresh();
  }

  // Items turn "processed" when the worker has seen them: poll while some are new.
  async function poll() {
    try {
      const items = await refresh();
      if (items.some((i) => i.status !== "processed")) setTimeout(poll, 1000);
      else setTimeout(poll, 5000);
    } catch (err) {
      message.textContent = String(err.message || err);
      setTimeout(poll, 5000);
    }
  }

  form.addEventListener("submit", (e) => create(e).catch((err) => (message.textContent = String(err))));
  if (!apiUrl) message.textContent = "config.js does not name the API (see the README).";
  else poll();
})();
