// Sosialpuls monitoring dashboard: vanilla JS, SVG charts, live updates from /v1/stream.
"use strict";

const LEVELS = {
  nation: "Hele landet",
  county: "Fylke",
  kostra_group: "KOSTRA-gruppe",
  municipality: "Kommune",
  district: "Bydel",
  nav_office: "NAV-kontor",
};
const KINDS = { jump: "Uvanlig endring", group_outlier: "Skiller seg ut i KOSTRA-gruppen", missing: "Mangler" };
const SVG = "http://www.w3.org/2000/svg";
const state = { token: null, period: null, counties: null, municipalities: null, geo: null, history: {} };

function shift(period, months) {
  const [y, m] = period.split("-").map(Number);
  const i = y * 12 + (m - 1) + months;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`;
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem("sosialpuls-token");
    throw new Error(`ingen tilgang (${response.status})`);
  }
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// --- JSON-stat -----------------------------------------------------------------------------

function readDataset(ds) {
  const units = Object.keys(ds.dimension.unit.category.index);
  const times = Object.keys(ds.dimension.time.category.index);
  const inds = Object.keys(ds.dimension.indicator.category.index);
  const status = ds.status || {};
  const get = (unit, time, ind) => {
    const u = ds.dimension.unit.category.index[unit];
    const t = ds.dimension.time.category.index[time];
    const i = ds.dimension.indicator.category.index[ind];
    if (u === undefined || t === undefined || i === undefined) return { value: null, status: ".." };
    const idx = (u * times.length + t) * inds.length + i;
    return { value: ds.value[idx], status: status[String(idx)] || null };
  };
  return { units, times, labels: ds.dimension.unit.category.label, get };
}

// --- tables and charts ---------------------------------------------------------------------

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

// Axis ticks for counts: 0 and whole-number steps of 1, 2, 2.5 (from 10), 5 × 10^n.
function countTicks(max, count = 4) {
  const raw = Math.max(1, max / count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power)
    .find((s) => s >= raw && Number.isInteger(s)) || 10 * power;
  const top = step * Math.max(1, Math.ceil(max / step));
  return Array.from({ length: Math.round(top / step) + 1 }, (_, k) => k * step);
}

function lineChart(svg, labels, series) {
  const W = 560, H = 260, L = 70, B = 30, T = 10;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("width", W);
  svg.setAttribute("height", H);
  svg.replaceChildren();
  const values = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const ticks = countTicks(values.length ? Math.max(...values) : 1);
  const max = ticks[ticks.length - 1];
  const x = (i) => L + (i * (W - L - 10)) / Math.max(1, labels.length - 1);
  const y = (v) => H - B - ((H - B - T) * v) / max;
  el("line", { x1: L, y1: H - B, x2: W - 10, y2: H - B, stroke: "#999" }, svg);
  for (const v of ticks) {
    el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 10, class: "tick" }, svg).textContent = numbers.format(v);
  }
  const every = Math.ceil(labels.length / 8);
  labels.forEach((label, i) => {
    if (i % every) return;
    el("text", { x: x(i), y: H - 10, "text-anchor": "middle", "font-size": 10 }, svg).textContent = label;
  });
  for (const s of series) {
    let d = "";
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      d += `${d ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      el("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5, fill: s.colour }, svg);
    });
    if (d) el("path", { d, fill: "none", stroke: s.colour, "stroke-width": 2, "stroke-dasharray": s.dash || "" }, svg);
  }
  series.forEach((s, k) => {
    el("rect", { x: L + 10 + k * 140, y: T, width: 12, height: 3, fill: s.colour }, svg);
    el("text", { x: L + 26 + k * 140, y: T + 5, "font-size": 11 }, svg).textContent = s.label;
  });
}

// --- sections ------------------------------------------------------------------------------

function renderNational() {
  const data = state.counties;
  const dl = $("national");
  dl.replaceChildren();
  for (const [ind, label] of Object.entries(INDICATOR_NAMES)) {
    const cell = data.get("nation:0", state.period, ind);
    const box = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.id = `nat-${ind}`;
    dd.dataset.value = cell.value === null ? "" : String(cell.value);
    dd.textContent = figure(cell.value, cell.status);
    box.append(dt, dd);
    dl.appendChild(box);
  }
}

function renderTrend() {
  const data = state.counties;
  const ind = $("indicator").value;
  const area = $("area").value || "nation:0";
  const get = state.history[area] || data.get;
  const months = Array.from({ length: 12 }, (_, i) => shift(state.period, i - 11));
  const now = months.map((p) => get(area, p, ind));
  const before = months.map((p) => get(area, shift(p, -12), ind));
  const name = data.labels[area] || (state.municipalities && state.municipalities.labels[area]) || area;
  lineChart($("trend-chart"), months.map(monthName), [
    { label: "Siste 12 måneder", colour: "#0b3d5c", values: now.map((c) => c.value) },
    { label: "Året før", colour: "#c77700", dash: "4 3", values: before.map((c) => c.value) },
  ]);
  $("trend-caption").textContent = `${INDICATOR_NAMES[ind]}, ${name}, per måned, med året før`;
  fillTable($("trend-table"), ["Måned", "Verdi", "Året før"],
    months.map((p, i) => [monthName(p), figure(now[i].value, now[i].status), figure(before[i].value, before[i].status)]));
}

function project(lon, lat) {
  return [(lon - 4) * 30 * Math.cos((65 * Math.PI) / 180), (72 - lat) * 30];
}

function ringPath(ring) {
  return ring.map(([lon, lat], i) => {
    const [px, py] = project(lon, lat);
    return `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`;
  }).join("") + "Z";
}

async function renderMap() {
  const ind = $("indicator").value;
  const figures = await api(`/v1/map?period=${state.period}&indicator=${ind}`);
  if (!state.geo) {
    const response = await fetch("/v1/geo/counties");
    state.geo = response.ok ? await response.json() : { features: [] };
  }
  const byCode = Object.fromEntries(figures.counties.map((c) => [c.code, c]));
  const rates = figures.counties.map((c) => c.per_1000).filter((v) => v !== null);
  const lo = Math.min(...rates), hi = Math.max(...rates);
  const svg = $("map");
  svg.replaceChildren();
  svg.setAttribute("viewBox", "0 0 420 560");
  svg.setAttribute("width", 320);
  svg.setAttribute("height", 430);
  for (const feature of state.geo.features) {
    const code = feature.properties.fylkesnummer || feature.properties.id;
    const fig = byCode[code];
    const geom = feature.geometry;
    const polygons = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
    const d = polygons.map((rings) => rings.map(ringPath).join("")).join("");
    let fill = "#ccc";
    if (fig && fig.per_1000 !== null && hi > lo) {
      const t = (fig.per_1000 - lo) / (hi - lo);
      fill = `rgb(${Math.round(230 - 190 * t)},${Math.round(240 - 150 * t)},${Math.round(250 - 90 * t)})`;
    } else if (fig && fig.per_1000 !== null) {
      fill = "#4a90c0";
    }
    const path = el("path", { d, fill, stroke: "#fff", "stroke-width": 0.5 }, svg);
    el("title", {}, path).textContent = `${feature.properties.name}: ${fig ? figure(fig.per_1000, fig.status) : ".."} per 1000`;
  }
  $("map-caption").textContent = `${INDICATOR_NAMES[ind]} per 1000 innbyggere, ${monthName(state.period)}`;
  fillTable($("map-table"), ["Fylke", "Antall", "Per 1000"],
    figures.counties.map((c) => [c.name, figure(c.value, c.status), figure(c.per_1000, c.status)]));
}

async function renderCoverage() {
  const cov = await api(`/v1/coverage?period=${state.period}`);
  const order = Object.keys(LEVELS);
  cov.levels.sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
  fillTable($("coverage"), ["Nivå", "Rapportert", "Forventet", "Dekning"],
    cov.levels.map((l) => [LEVELS[l.level] || l.level, l.units_reported, l.units_expected, `${numbers.format(l.coverage * 100)} %`]));
  const list = $("missing");
  list.replaceChildren();
  for (const level of cov.levels) {
    for (const m of level.missing.slice(0, 50)) {
      const li = document.createElement("li");
      li.textContent = `${LEVELS[level.level] || level.level} ${m.code} ${m.name}`;
      list.appendChild(li);
    }
  }
}

// The count of ":" cells the API reports for the month shown (kommuner, fylker, hele landet).
function showHiddenCount(dataset) {
  const counts = (dataset.extension || {}).suppressed_cells || {};
  const n = counts[state.period];
  $("hidden-count").textContent = n === undefined ? "–" : numbers.format(n);
}

async function renderAnomalies() {
  const found = await api(`/v1/anomalies?period=${state.period}`);
  fillTable($("anomalies"), ["Enhet", "Type", "Indikator", "Forklaring"],
    found.anomalies.map((a) => [`${a.name} (${a.unit.code})`, KINDS[a.kind] || a.kind, INDICATOR_NAMES[a.indicator] || a.indicator, a.detail]));
}

function renderUnits() {
  const data = state.municipalities;
  const query = $("search").value.trim().toLowerCase();
  const units = data.units.filter((u) => u.startsWith("municipality:")).filter((u) => {
    return !query || u.includes(query) || (data.labels[u] || "").toLowerCase().includes(query);
  });
  const body = fillTable($("units"), ["Kommune", "Nummer", "Mottakere", "Utbetalt (kr)"],
    units.slice(0, 60).map((u) => {
      const r = data.get(u, state.period, "recipients");
      const k = data.get(u, state.period, "kroner_paid");
      return [data.labels[u], u.split(":")[1], figure(r.value, r.status), figure(k.value, k.status)];
    }));
  Array.from(body.rows).forEach((row, i) => {
    row.tabIndex = 0;
    const open = () => drillDown(units[i]);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
  });
}

async function drillDown(unit) {
  const [type, code] = unit.split(":");
  const data = await api(`/v1/units/${type}/${code}/indicators?from=${shift(state.period, -11)}&to=${state.period}`);
  $("unit-detail").hidden = false;
  $("unit-title").textContent = `${data.unit.name} (${code})`;
  const months = data.months;
  lineChart($("unit-chart"), months.map((m) => monthName(m.period)), [
    { label: "Mottakere", colour: "#0b3d5c", values: months.map((m) => m.indicators.recipients) },
  ]);
  fillTable($("unit-table"), ["Måned", "Mottakere", "Per 1000", "Utbetalt (kr)", "Status"],
    months.map((m) => [
      monthName(m.period),
      figure(m.indicators.recipients, (m.indicator_status || {}).recipients),
      figure(m.per_1000_inhabitants.recipients, (m.per_1000_inhabitants_status || {}).recipients),
      figure(m.indicators.kroner_paid, (m.indicator_status || {}).kroner_paid),
      m.status,
    ]));
}

// --- loading and live updates --------------------------------------------------------------

async function refresh() {
  const cov = await api("/v1/coverage");
  state.period = cov.period;
  $("period").textContent = monthName(state.period);
  const from = shift(state.period, -23);
  state.counties = readDataset(await api(`/v1/export/jsonstat?level=county&from=${from}&to=${state.period}`));
  const municipalities = await api(`/v1/export/jsonstat?level=municipality&from=${state.period}&to=${state.period}`);
  state.municipalities = readDataset(municipalities);
  showHiddenCount(municipalities);
  const area = $("area");
  if (!area.options.length) {
    for (const unit of state.counties.units) area.add(new Option(state.counties.labels[unit], unit));
  }
  state.history = {};
  renderNational();
  if (area.value.startsWith("municipality:")) await selectMunicipality(area.value);
  renderTrend();
  renderUnits();
  await Promise.all([renderMap(), renderCoverage(), renderAnomalies()]);
  $("updated").textContent = new Date().toLocaleTimeString("nb-NO");
  document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
}

let pending = null;
function scheduleRefresh() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    refresh().catch(report);
  }, 300);
}

async function listen() {
  const live = $("live");
  for (;;) {
    try {
      const response = await fetch("/v1/stream", { headers: { Authorization: `Bearer ${state.token}` } });
      if (!response.ok || !response.body) throw new Error(`stream ${response.status}`);
      live.textContent = "Direkte";
      live.className = "live on";
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const chunk = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (chunk.startsWith("event: update")) scheduleRefresh();
        }
      }
    } catch (err) {
      live.textContent = "Frakoblet – prøver igjen";
      live.className = "live off";
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function report(err) {
  const box = $("login-error");
  box.textContent = String(err.message || err);
  if (!state.token || String(err.message).includes("ingen tilgang")) {
    $("login").hidden = false;
    $("main").hidden = true;
  }
}

async function start() {
  state.token = storedToken("sosialpuls-token");
  if (!state.token) {
    $("login").hidden = false;
    return;
  }
  $("login").hidden = true;
  $("main").hidden = false;
  await refresh();
  listen();
}

function init() {
  const select = $("indicator");
  for (const [ind, label] of Object.entries(INDICATOR_NAMES)) select.add(new Option(label, ind));
  select.addEventListener("change", () => { renderTrend(); renderMap().catch(report); });
  $("area").addEventListener("change", renderTrend);
  $("search").addEventListener("input", renderUnits);
  $("find-municipality").addEventListener("input", renderHits);
  $("find-municipality").addEventListener("keydown", (e) => {
    const first = municipalityHits(e.target.value)[0];
    if (e.key !== "Enter" || !first) return;
    e.preventDefault();
    selectMunicipality(first).catch(report);
  });
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("sosialpuls-token", $("token-input").value.trim());
    start().catch(report);
  });
  start().catch(report);
}

init();
