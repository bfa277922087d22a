// The web page: public alerts and map; the coordinator view for parties.
// Served with a Content-Security-Policy that forbids inline script: every
// text that comes from the API is put in the page as text (textContent,
// or a text element for Leaflet), never as HTML. A party's token is traded
// once for an HttpOnly session cookie that no script can read; writes carry
// the session's CSRF token, kept in memory only.
"use strict";
const map = L.map("map", { preferCanvas: true, attributionControl: true });
map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
map.attributionControl.addAttribution("(c) OpenStreetMap contributors");
const colors = { opened: "#1a7f37", changed: "#1a7f37", reopened: "#1a7f37", suspended: "#d1242f", closed: "#6e7781", cancelled: "#6e7781" };
// The server rendered the alerts in the reader's language (?lang=, else
// the browser's Accept-Language); the page starts in that language.
let lang = new URLSearchParams(location.search).get("lang") || document.documentElement.lang || "uk";
if (!["uk", "ru", "en"].includes(lang)) lang = "uk";
const labels = {
  uk: { none: "Зараз немає оголошених коридорів.", left: "щоб вирушити: потім ви не встигнете до закриття", late: "Вирушати вже пізно: ви не встигнете до закриття коридору.", closed: "закрито" },
  ru: { none: "Сейчас нет объявленных коридоров.", left: "чтобы выехать: позже вы не успеете до закрытия", late: "Выезжать уже поздно: вы не успеете до закрытия коридора.", closed: "закрыт" },
  en: { none: "No corridor announced now.", left: "left to set out: later you will not arrive before it closes", late: "Too late to set out: you would not arrive before the corridor closes.", closed: "closed" },
};
async function get(url) { const r = await fetch(url); if (!r.ok) throw new Error(url + ": " + r.status); return r.json(); }
function fmt(ms) { const m = Math.max(0, Math.round(ms / 60000)); return Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0"); }
async function alerts(fresh) {
  document.querySelectorAll(".langs button").forEach(b => b.classList.toggle("on", b.dataset.lang === lang));
  document.documentElement.lang = lang;
  const box = document.getElementById("alerts");
  // At first the server's rendering is current: nothing to fetch.
  if (!fresh && box.dataset.lang === lang) { tick(); return; }
  box.dataset.lang = "";
  const a = await get("/api/alerts?lang=" + lang);
  box.replaceChildren();
  if (!a.alerts.length) { box.textContent = labels[lang].none; return; }
  const seen = new Set();
  for (const x of a.alerts) {
    if (seen.has(x.corridor)) continue;
    seen.add(x.corridor);
    const d = document.createElement("div");
    d.className = "alert " + (x.open ? "open" : x.kind);
    const h = document.createElement("b"); h.textContent = x.headline; d.appendChild(h);
    const p = document.createElement("p"); p.textContent = x.description; d.appendChild(p);
    const c = document.createElement("div"); c.className = "countdown"; c.dataset.end = x.last_safe_departure || x.window_end; c.dataset.open = x.open; d.appendChild(c);
    const i = document.createElement("p"); i.textContent = x.instruction; d.appendChild(i);
    box.appendChild(d);
  }
  tick();
}
function tick() {
  document.querySelectorAll(".countdown").forEach(c => {
    const left = Date.parse(c.dataset.end) - Date.now();
    // Counted to the last safe departure, not to the window's close: a
    // resident who leaves later does not arrive before it closes.
    c.textContent = c.dataset.open !== "true" ? "" : left > 0 ? fmt(left) + " " + labels[lang].left : labels[lang].late;
  });
}
setInterval(tick, 30000);
// Text for a Leaflet tooltip: an element whose content is text, so that
// nothing from the API is ever parsed as HTML.
function text(s) { const e = document.createElement("span"); e.textContent = s == null ? "" : String(s); return e; }
let csrf = "";
document.getElementById("login").onsubmit = async e => {
  e.preventDefault();
  const field = document.getElementById("token");
  const r = await fetch("/api/session", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: field.value.trim() }) });
  field.value = "";
  const j = await r.json();
  csrf = r.ok ? j.csrf : "";
  document.getElementById("result").textContent = r.ok ? `signed in as ${j.party} (${j.role})` : `${r.status}: ${j.error}`;
  corridors();
};
function write(url, body) {
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body) });
}
// Every action but a proposal names the version shown (its places, window
// and verdicts are drawn from that version, with its hash), so that a
// version swapped in meanwhile is refused (409) rather than accepted
// unread; with nothing on the table there is nothing to act on.
// When each corridor's version was first drawn: a version that appeared
// under the reader's pointer a moment ago has not been read yet.
const drawnSince = new Map();
const READ_MS = 2000;
async function act(action, proposal, version) {
  if (action !== "propose" && !version) {
    document.getElementById("result").textContent = `${proposal}: nothing is on the table yet; propose it first`;
    return;
  }
  const seen = drawnSince.get(proposal);
  if (action !== "propose" && seen && seen.version === version && performance.now() - seen.at < READ_MS) {
    document.getElementById("result").textContent = `${proposal}: a new version was just proposed; read it before you act`;
    return;
  }
  const reason = action === "reject" || action === "suspend" || action === "cancel" ? prompt("Reason") || "" : undefined;
  const body = { action, proposal };
  if (reason !== undefined) body.reason = reason;
  if (version && action !== "propose") body.version = version;
  const r = await write("/api/act", body);
  const j = await r.json();
  document.getElementById("result").textContent = r.ok ? `${j.party}: ${j.action} ${j.corridor} → ${j.state}` : `${r.status}: ${j.error}`;
  corridors(); alerts();
}
document.getElementById("incident").onsubmit = async e => {
  e.preventDefault();
  const body = { kind: document.getElementById("ikind").value, at: document.getElementById("iat").value.trim(),
                 radius_m: Number(document.getElementById("iradius").value) };
  const r = await write("/api/incidents", body);
  const j = await r.json();
  document.getElementById("result").textContent = r.ok
    ? `incident ${j.hazard}: suspended ${j.suspended.join(", ") || "none"}; proposed again ${j.proposed_again.join(", ") || "none"}`
    : `${r.status}: ${j.error}`;
  corridors(); alerts();
};
async function corridors() {
  const c = await get("/api/corridors");
  const box = document.getElementById("corridors");
  box.replaceChildren();
  for (const x of c.corridors) {
    const d = document.createElement("div");
    d.className = "corridor";
    const h = document.createElement("b"); h.textContent = `${x.id}: ${x.state}`; d.appendChild(h);
    const place = p => (p && (p.name || p.id)) || "?";
    const was = drawnSince.get(x.id);
    if (!was || was.version !== x.version_on_table) {
      // The first drawing of the page is what was read.
      drawnSince.set(x.id, { version: x.version_on_table, at: was ? performance.now() : -Infinity });
    }
    const facts = document.createElement("div");
    facts.className = "hint";
    facts.textContent = `${place(x.origin)} → ${place(x.destination)}, ${(x.window || {}).start || "?"} – ${(x.window || {}).end || "?"}`
      + (x.version_on_table ? ` · version ${x.version_on_table.slice(0, 12)}` : "");
    d.appendChild(facts);
    const who = [];
    if (x.proposed_by) who.push(`proposed by ${x.proposed_by}`);
    if (x.answers) who.push(`answers ${x.answers}`);
    if (who.length) { const w = document.createElement("div"); w.className = "hint"; w.textContent = who.join(" · "); d.appendChild(w); }
    for (const v of ((x.evaluation || {}).verdicts || [])) {
      const p = document.createElement("div");
      p.className = v.verdict;
      p.textContent = `${v.party} (${v.role}): ${v.verdict}` + v.violations.map(w => ` · ${w.code}: ${w.message}`).join("");
      d.appendChild(p);
    }
    for (const a of ["propose", "accept", "reject", "countersign", "open", "suspend", "reopen", "close", "complete", "cancel"]) {
      const b = document.createElement("button"); b.textContent = a; b.onclick = () => act(a, x.id, x.version_on_table); d.appendChild(b);
    }
    const c = document.createElement("button"); c.textContent = "counter…"; c.onclick = () => counter(x); d.appendChild(c);
    box.appendChild(d);
  }
}
// Live changes (server-sent events); `?live=0` turns them off (e.g. for a
// page snapshot).
// A signed-in party's convoy stream (convoys.js) carries the same `entry`
// events: it closes this one while it runs (one connection per tab: a
// browser allows six per server).
const live = new URLSearchParams(location.search).get("live") !== "0";
function onEntry() { alerts(true); if (document.getElementById("coordinator").open) corridors(); }
let publicEvents = null;
function publicStream(on) {
  if (on && live && !publicEvents) {
    publicEvents = new EventSource("/api/events");
    publicEvents.addEventListener("entry", onEntry);
    // Entries made while no stream was open (the switch from the convoy
    // stream, a reconnection) are read again once this one is open.
    publicEvents.onopen = onEntry;
  } else if (!on && publicEvents) {
    publicEvents.close();
    publicEvents = null;
  }
}
publicStream(true);
document.querySelectorAll(".langs button").forEach(b => b.onclick = () => { lang = b.dataset.lang; alerts(true); });
document.getElementById("coordinator").addEventListener("toggle", e => { if (e.target.open) corridors(); });
// The road network in tiles at the detail of the zoom (/api/tiles): a 2G
// phone fetches the main roads around the corridor, not the whole map.
// Roads have their own pane, under the corridors and hazards.
map.createPane("roads").style.zIndex = 350;
const roads = L.layerGroup().addTo(map);
const roadRenderer = L.canvas({ pane: "roads" });
const tiles = new Map();
let noTiles = false;
const inflight = new Set();
async function loadTiles() {
  if (noTiles) return;
  const z = Math.max(5, Math.min(16, Math.round(map.getZoom()))), n = 2 ** z, b = map.getBounds();
  const tx = lon => Math.floor((lon + 180) / 360 * n);
  const ty = lat => { const r = Math.max(-85, Math.min(85, lat)) * Math.PI / 180; return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n); };
  const x0 = Math.max(0, tx(b.getWest())), x1 = Math.min(n - 1, tx(b.getEast()));
  const y0 = Math.max(0, ty(b.getNorth())), y1 = Math.min(n - 1, ty(b.getSouth()));
  for (const [k, l] of tiles) if (!k.startsWith(z + "/")) { if (l) roads.removeLayer(l); tiles.delete(k); }
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > 64) return;
  for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) {
    const k = z + "/" + x + "/" + y;
    if (tiles.has(k)) continue;
    tiles.set(k, null);
    const job = fetch("/api/tiles/" + k + ".geojson").then(async r => {
      if (!r.ok || !tiles.has(k)) { tiles.delete(k); return; }
      const l = L.geoJSON(await r.json(), { renderer: roadRenderer, interactive: false,
        style: f => ({ color: "#9a9a9a", weight: [2.5, 1.8, 1.2, 0.8][f.properties.level] || 1 }) });
      tiles.set(k, l); roads.addLayer(l);
    }).catch(() => tiles.delete(k)).finally(() => inflight.delete(job));
    inflight.add(job);
  }
  // Resolves when every tile asked for so far has arrived.
  await Promise.all([...inflight]);
}
map.on("moveend", () => { loadTiles(); });
(async () => {
  // Everything the first view needs, at once: round trips are what a 2G
  // link is slow at.
  const [s, terr, pub] = await Promise.all([get("/api/scenario"), get("/api/territories.geojson"), get("/public/corridors.geojson")]);
  if (!s.tiles) noTiles = true;
  document.getElementById("title").textContent = s.name;
  const w = (s.proposals[0] || {}).window;
  if (w) { field("pstart").value = w.start; field("pend").value = w.end; }
  const zones = L.geoJSON(terr, { style: { color: "#7a5ea8", weight: 1, fillOpacity: 0.06 } })
    .bindTooltip(l => text(l.feature.properties.name)).addTo(map);
  const announced = L.geoJSON(pub, {
    style: f => f.properties.kind === "hazard" ? { color: "#d1242f", weight: 2, fillOpacity: 0.2 }
      : { color: colors[f.properties.status] || "#0969da", weight: 5 },
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: f.properties.kind === "hazard" ? "#d1242f" : "#0969da" }),
  }).bindTooltip(l => {
    const p = l.feature.properties;
    return text(p.kind === "hazard" ? `${p.hazard} (${p.hazard_kind}): ${p.source || ""}` : p.corridor || "");
  }).addTo(map);
  // The first view: the corridors in force; else the scenario's zones;
  // else its places.
  const open = L.featureGroup();
  announced.eachLayer(l => { const p = l.feature.properties; if (p.kind !== "hazard" && ["opened", "changed", "reopened"].includes(p.status)) open.addLayer(l); });
  const places = L.latLngBounds(s.places.map(p => [p.at[1], p.at[0]]));
  const zb = zones.getBounds();
  if (open.getLayers().length) map.fitBounds(open.getBounds(), { padding: [20, 20], maxZoom: 15 });
  else if (zb.isValid()) map.fitBounds(zb);
  else if (places.isValid()) map.fitBounds(places, { padding: [20, 20], maxZoom: 14 });
  else map.setView([49.41, 8.69], 12);
  await Promise.all([alerts(), loadTiles()]);
  if (document.getElementById("coordinator").open) await corridors();
  document.body.dataset.ready = "1";
})().catch(e => { document.getElementById("status").textContent = String(e); });

// Proposing on the map: click the origin, then the destination (or type a
// place id, a town or LAT,LON); Preview routes it and shows every party's
// verdict with its reason; Send puts it on the table. "counter…" on a
// corridor fills the form with the search's suggestion from its origin and
// draws the alternatives.
const draft = { layer: null, alternatives: null, answers: null };
function field(id) { return document.getElementById(id); }
function lastPick() { return field("porigin").value && !field("pdest").value ? "pdest" : "porigin"; }
map.on("click", e => {
  if (!document.getElementById("coordinator").open) return;
  const id = lastPick();
  field(id).value = e.latlng.lat.toFixed(5) + "," + e.latlng.lng.toFixed(5);
  if (id === "porigin") field("pdest").value = "";
});
function proposal(dry) {
  const via = field("pvia").value.split(";").map(s => s.trim()).filter(s => s);
  const p = { origin: field("porigin").value.trim(), destination: field("pdest").value.trim(), via,
              window_start: field("pstart").value.trim(), window_end: field("pend").value.trim(), dry_run: dry };
  if (draft.answers) p.answers = draft.answers;
  return p;
}
function showProposed(r, j) {
  const box = field("pverdicts");
  box.replaceChildren();
  if (!r.ok) { box.textContent = `${r.status}: ${j.error}`; return; }
  const h = document.createElement("div");
  h.textContent = `${j.corridor} (${j.state}): ${(j.route.distance_m / 1000).toFixed(1)} km, ${Math.round(j.route.duration_s / 60)} min`;
  box.appendChild(h);
  for (const v of (j.evaluation.verdicts || [])) {
    const p = document.createElement("div");
    p.className = v.verdict;
    p.textContent = `${v.party}: ${v.verdict}` + v.violations.map(w => ` · ${w.code}: ${w.message}`).join("");
    box.appendChild(p);
  }
  if (draft.layer) map.removeLayer(draft.layer);
  draft.layer = L.geoJSON(j.route.geometry, { style: { color: "#8250df", weight: 5, dashArray: "6 6" } }).addTo(map);
}
field("ppreview").onclick = async () => {
  const r = await write("/api/proposals", proposal(true));
  showProposed(r, await r.json());
};
field("propose").onsubmit = async e => {
  e.preventDefault();
  const r = await write("/api/proposals", proposal(false));
  const j = await r.json();
  showProposed(r, j);
  if (r.ok) { draft.answers = null; field("panswers").textContent = ""; corridors(); }
};
async function counter(x) {
  draft.answers = x.id;
  field("panswers").textContent = `answers ${x.id} `;
  if (x.origin) field("porigin").value = x.origin.id;
  if (x.window) { field("pstart").value = x.window.start; field("pend").value = x.window.end; }
  if (draft.alternatives) { map.removeLayer(draft.alternatives); draft.alternatives = null; }
  if (!x.origin) return;
  const q = new URLSearchParams({ origin: x.origin.id, window_start: x.window.start, window_end: x.window.end });
  const r = await fetch("/api/search?" + q);
  if (!r.ok) return;
  const s = await r.json();
  const found = s.results.find(d => d.options.length);
  if (found) field("pdest").value = found.destination;
  const lines = s.results.flatMap(d => d.options.map(o => ({ type: "Feature", properties: { destination: d.destination }, geometry: o.geometry })));
  draft.alternatives = L.geoJSON({ type: "FeatureCollection", features: lines }, { style: { color: "#1a7f37", weight: 3, dashArray: "2 6" } })
    .bindTooltip(l => text("alternative to " + l.feature.properties.destination)).addTo(map);
}

// The plan view: the planning file's content as JSON, for the corridors
// agreed or open; the answer as people out over time per corridor, drawn
// as an SVG chart (made element by element: no markup from the API).
const SVG = "http://www.w3.org/2000/svg";
function svg(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}
async function planTemplate() {
  const c = await get("/api/corridors");
  const ok = c.corridors.filter(x => ["agreed", "countersigned", "open"].includes(x.state) && x.origin);
  const pick = ok.length ? ok : c.corridors.filter(x => x.origin).slice(0, 1);
  const plan = {
    loading_minutes: 30, unloading_minutes: 20,
    corridor: pick.map(x => ({ proposal: x.id, vehicles_per_hour: 12, min_spacing_minutes: 4 })),
    demand: pick.map(x => ({ origin: x.origin.id, destination: x.destination.id, people: 1000 })),
    vehicles: pick.map((x, i) => ({ id: "bus-" + (i + 1), count: 10, seats: 50, start: x.origin.id })),
  };
  field("plantext").value = JSON.stringify(plan, null, 1);
}
document.getElementById("planview").addEventListener("toggle", () => { if (!field("plantext").value) planTemplate(); });
function drawPlan(p) {
  const box = field("planchart");
  box.replaceChildren();
  const W = 340, H = 180, M = 30;
  const series = {};
  for (const l of p.legs.filter(l => l.loaded)) {
    const n = l.carries.reduce((a, c) => a + c.people, 0);
    (series[l.corridor] = series[l.corridor] || []).push([Date.parse(l.arrive), n]);
  }
  const all = Object.values(series).flat();
  if (!all.length) { box.textContent = "nobody gets out inside the window"; return; }
  const t0 = Math.min(...all.map(x => x[0])), t1 = Math.max(...all.map(x => x[0]));
  let top = 0;
  for (const k in series) { series[k].sort((a, b) => a[0] - b[0]); let s = 0; for (const x of series[k]) { s += x[1]; x[1] = s; } top = Math.max(top, s); }
  const X = t => M + (W - 2 * M) * (t1 > t0 ? (t - t0) / (t1 - t0) : 1), Y = n => H - M + (2 * M - H) * n / top;
  const g = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img" }, box);
  svg("line", { x1: M, y1: H - M, x2: W - M, y2: H - M, stroke: "#999" }, g);
  svg("line", { x1: M, y1: M, x2: M, y2: H - M, stroke: "#999" }, g);
  const label = (x, y, s) => { const t = svg("text", { x, y, "font-size": 10, fill: "#333" }, g); t.textContent = s; };
  label(2, M, String(top)); label(M, H - 8, new Date(t0).toISOString().slice(11, 16) + " UTC");
  label(W - M - 40, H - 8, new Date(t1).toISOString().slice(11, 16) + " UTC");
  const colours = ["#0969da", "#1a7f37", "#8250df", "#bf3989", "#9a6700"];
  Object.entries(series).forEach(([k, pts], i) => {
    const d = pts.map(([t, n], j) => (j ? "L" : "M") + X(t).toFixed(1) + "," + Y(n).toFixed(1)).join(" ");
    svg("path", { d, fill: "none", stroke: colours[i % colours.length], "stroke-width": 2, class: "plan-series" }, g);
    label(M + 4, M + 12 * (i + 1), k);
  });
}
field("planrun").onclick = async () => {
  let body;
  try { body = JSON.parse(field("plantext").value); } catch (e) { field("plansum").textContent = "not JSON: " + e.message; return; }
  const r = await write("/api/plan", body);
  const j = await r.json();
  if (!r.ok) { field("plansum").textContent = `${r.status}: ${j.error}`; field("planchart").replaceChildren(); return; }
  field("plansum").textContent = `${j.evacuated} of ${j.people} out inside the windows; ${j.left} left. Bottleneck: ${j.bottleneck}.`;
  drawPlan(j);
};
