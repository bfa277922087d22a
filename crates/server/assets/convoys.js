// The convoy view, for parties signed in on the page (not observers):
// every convoy with who has and has not acknowledged it, progress along
// its corridor, ETA against the window, the events as they happen, and its
// last position on the map. Nothing here is public: the API answers 401 or
// 403 to anyone else, and this view then stays hidden. As app.js: no
// inline script, every API text put in the page as text, never as HTML.
// Uses app.js's `map` (Leaflet) and `csrf` (the session's CSRF token).
"use strict";
(function () {
  const box = document.createElement("details");
  box.id = "convoys";
  box.hidden = true;
  box.open = true;
  const sum = document.createElement("summary");
  sum.textContent = "Convoys (parties only)";
  box.appendChild(sum);
  const list = document.createElement("div");
  box.appendChild(list);
  const feed = document.createElement("ol");
  feed.id = "convoy-events";
  feed.setAttribute("role", "log");
  feed.setAttribute("aria-live", "polite");
  box.appendChild(feed);
  const anchor = document.getElementById("result");
  (anchor ? anchor.parentNode : document.getElementById("side")).insertBefore(box, anchor);
  const markers = new Map();
  const trails = new Map();
  let source = null;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text != null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function km(m) { return m == null ? "?" : (m / 1000).toFixed(1) + " km"; }
  // Times with their date and zone, in the scenario's time zone (as the
  // server names it in the list), else as the server wrote them.
  let zone = null;
  function when(t) {
    if (!t) return "?";
    try {
      return new Intl.DateTimeFormat(undefined, { timeZone: zone || undefined, year: "numeric", day: "2-digit", month: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" }).format(new Date(t));
    } catch (e) { return String(t); }
  }
  const words = { off_route: "off the agreed road", stopped: "stopped", late: "late for the window",
    in_hazard: "in a hazard", arrived: "arrived", hazard_ahead: "hazard ahead", corridor_not_open: "corridor not open",
    implausible_position: "implausible position (faulty or spoofed tracker?)" };
  function kind(k) { return words[k] || k; }
  function send(url) {
    return fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": typeof csrf === "string" ? csrf : "" }, body: "{}" });
  }
  function mark(id, at) {
    if (typeof map === "undefined" || !at) return;
    let m = markers.get(id);
    if (!m) {
      m = L.circleMarker(at, { radius: 7, color: "#0550ae", weight: 2, fillOpacity: 0.8 }).addTo(map);
      m.bindTooltip(el("span", id));
      markers.set(id, m);
    }
    m.setLatLng(at);
  }
  function trail(id, pts) {
    if (typeof map === "undefined" || !pts || !pts.length) return;
    let t = trails.get(id);
    if (!t) { t = L.polyline(pts, { color: "#0550ae", weight: 2, opacity: 0.6 }).addTo(map); trails.set(id, t); }
    else t.setLatLngs(pts);
  }
  function card(c) {
    const d = el("div", null, "corridor");
    d.dataset.convoy = c.id;
    d.appendChild(el("b", c.id + " · " + c.corridor + " · " + c.status));
    d.appendChild(el("div", c.vehicles.count + " vehicles (" + c.vehicles.markings + "), " + c.people + " people, planned " + when(c.departure)));
    const acks = c.acknowledged.map(a => a.party + " ✓").concat(c.awaiting.map(p => p + " …"));
    d.appendChild(el("div", "acknowledged: " + acks.join(", "), c.awaiting.length ? "reject" : "accept"));
    if (c.departed) {
      const pct = c.length_m ? Math.min(100, Math.round(100 * c.along_m / c.length_m)) : 0;
      const bar = el("progress"); bar.max = 100; bar.value = pct; d.appendChild(bar);
      d.appendChild(el("span", " " + km(c.along_m) + " of " + km(c.length_m)));
      const late = c.late_by_s == null ? "" : c.late_by_s > 0 ? " — " + Math.ceil(c.late_by_s / 60) + " min after the window closes" : " — " + Math.floor(-c.late_by_s / 60) + " min before the window closes";
      d.appendChild(el("div", "ETA " + when(c.eta) + (c.window ? " (window ends " + when(c.window.end) + ")" : "") + late, c.late_by_s > 0 ? "reject" : ""));
      if (c.raised.length) d.appendChild(el("div", "now: " + c.raised.map(kind).join(", "), "reject"));
    }
    // Only the buttons the signed-in party may use (the server says which).
    const can = c.can || {};
    if (can.acknowledge) {
      const b = el("button", "Acknowledge"); b.type = "button";
      b.onclick = async () => { const r = await send("/api/convoys/" + encodeURIComponent(c.id) + "/ack"); note(r); refresh(); };
      d.appendChild(b);
    }
    if (can.depart) {
      const b = el("button", "Mark departed"); b.type = "button";
      b.onclick = async () => { const r = await send("/api/convoys/" + encodeURIComponent(c.id) + "/depart"); note(r); refresh(); };
      d.appendChild(b);
    }
    return d;
  }
  async function note(r) {
    const out = document.getElementById("result");
    if (!out) return;
    try { const j = await r.json(); out.textContent = r.ok ? "done" : r.status + ": " + j.error; } catch (e) { out.textContent = String(r.status); }
  }
  // Signed in on this page (app.js keeps the session's CSRF token in
  // memory): only then is the API asked, so that a visitor's page makes no
  // request that is bound to be refused.
  function signedIn() { return typeof csrf === "string" && csrf !== ""; }
  async function refresh() {
    if (!signedIn()) { box.hidden = true; stop(); return; }
    let r;
    try { r = await fetch("/api/convoys"); } catch (e) { return; }
    if (!r.ok) { box.hidden = true; stop(); return; }
    const j = await r.json();
    zone = j.time_zone || null;
    box.hidden = false;
    const cards = j.convoys.map(card);
    if (j.more || j.offset) cards.push(el("div", "showing " + j.convoys.length + " of " + j.total + " convoys (those awaiting you, then yours, then each party's newest in turn; GET /api/convoys?offset=N for the rest)"));
    list.replaceChildren(...cards);
    // Markers only for convoys still on the road and shown.
    const live = new Set(j.convoys.filter(c => c.last && !c.outcome).map(c => c.id));
    for (const [id, m] of markers) if (!live.has(id)) { m.remove(); markers.delete(id); }
    for (const [id, t] of trails) if (!live.has(id)) { t.remove(); trails.delete(id); }
    for (const c of j.convoys) if (live.has(c.id)) mark(c.id, c.last.at);
    if (!source) listen();
  }
  function event(m) {
    const li = el("li", when(m.time) + " " + m.convoy + ": " + (m.raised ? "RAISED " : "cleared ") + m.kind + " (" + kind(m.kind) + ") — " + m.detail, m.raised ? "reject" : "accept");
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 50) feed.removeChild(feed.lastChild);
  }
  function stop() {
    if (source) { source.close(); source = null; }
    if (typeof publicStream === "function") publicStream(true);
  }
  function listen() {
    source = new EventSource("/api/convoys/stream");
    // This stream carries the public entries too: one connection per tab.
    if (typeof publicStream === "function") publicStream(false);
    source.addEventListener("entry", () => { if (typeof onEntry === "function") onEntry(); });
    // Entries made while no stream was open (the public one is closed just
    // above, before this one opens; a reconnection) are read again now.
    source.onopen = () => { if (typeof onEntry === "function") onEntry(); };
    source.addEventListener("convoy", e => {
      let m;
      try { m = JSON.parse(e.data); } catch (x) { return; }
      if (m.type === "position") {
        mark(m.convoy, m.at);
        const t = trails.get(m.convoy);
        if (t) t.addLatLng(m.at); else trail(m.convoy, [m.at]);
        const card = list.querySelector('[data-convoy="' + CSS.escape(m.convoy) + '"] progress');
        if (card && m.length_m) card.value = Math.min(100, Math.round(100 * m.along_m / m.length_m));
      } else if (m.type === "event") {
        event(m);
        refresh();
      } else if (m.type === "resync") {
        // Too slow for the stream: some messages were missed; read it all again.
        refresh();
      } else {
        refresh();
      }
    });
    source.onerror = () => { stop(); setTimeout(refresh, 5000); };
  }
  // Signed in or out on the page: look again at once; and every 30 s.
  let was = false;
  setInterval(() => { const now = signedIn(); if (now !== was) { was = now; refresh(); } }, 500);
  setInterval(refresh, 30000);
})();
