// The reporting unit's page: upload the month's CSV (or paste JSON), see each rejected
// line with its reason in bokmål, the months counted so far and the unit's own figures.
// Uploads go to /v1/reporting/reports[/csv] on this origin, which passes them to the gateway.
"use strict";

const UNIT_TYPES = { municipality: "kommune", district: "bydel", nav_office: "NAV-kontor" };
const COLUMN_TITLES = { county: "Fylke", kostra_group: "KOSTRA-gruppe", nation: "" };
const CSV_COLUMNS = ["unit_type", "unit_code", "period", "revision", ...Object.keys(INDICATOR_NAMES)];
const TOKEN_KEY = "sosialpuls-unit-token";
const POLL_MS = 1500, POLL_LIMIT_MS = 90000;
const page = { token: null, unit: null, history: [] };

function when(iso) {
  return iso ? new Date(iso).toLocaleString("nb-NO", { dateStyle: "medium", timeStyle: "short" }) : "–";
}

function unitLabel(unit) {
  return `${unit.name} (${UNIT_TYPES[unit.type] || unit.type} ${unit.code})`;
}

function unitKey(key) {
  if (!key) return "–";
  const [type, code] = key.split(":");
  return `${UNIT_TYPES[type] || type} ${code}`;
}

function table(node, head, rows) {
  if (rows.length) return fillTable(node, head, rows);
  node.replaceChildren();
  return node.createTBody();
}

async function call(path, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${page.token}` };
  const response = await fetch(path, { ...options, headers });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

async function read(path) {
  const { status, body } = await call(path);
  if (status === 401 || status === 403) throw new Error(refusalText(status, body));
  if (status !== 200) throw new Error(body.message || body.detail || `${path}: ${status}`);
  return body;
}

function refusalText(status, body) {
  if (body.error === "not_a_reporting_unit") {
    return "Denne siden er for en rapporterende enhet. Bruk en nøkkel fra «sosialpuls token --unit …».";
  }
  return status === 401 ? problemText({ reason: "invalid_token" }) : problemText({ reason: body.reason || body.error || "insufficient_scope" });
}

// --- submitting ----------------------------------------------------------------------------

async function submit(path, body, contentType) {
  const before = new Map(page.history.map((m) => [`${m.unit.type}:${m.unit.code} ${m.period}`, m]));
  const { status, body: answer } = await call(path, { method: "POST", body, headers: { "Content-Type": contentType } });
  showResult(status, answer);
  const accepted = (answer.results || []).filter((r) => r.status === "accepted");
  if (accepted.length) await waitUntilCounted(accepted, before);
}

function showResult(status, answer) {
  $("result").hidden = false;
  const results = answer.results || [];
  const rejected = results.filter((r) => r.status !== "accepted");
  const accepted = results.filter((r) => r.status === "accepted");
  const whole = answer.reason ? [{ reason: answer.reason, message: answer.detail }] : answer.errors || [];
  const summary = [];
  if (results.length) summary.push(`${accepted.length} ${accepted.length === 1 ? "rapport" : "rapporter"} tatt imot, ${rejected.length} avvist.`);
  for (const problem of whole) summary.push(problemText(problem));
  if (!results.length && !whole.length) summary.push(`Innsendingen ble ikke tatt imot (HTTP ${status}).`);
  $("result-summary").textContent = summary.join(" ");
  $("result-summary").dataset.status = String(status);
  const body = table($("rejected"), ["Linje", "Enhet", "Måned", "Årsak"], rejected.map((r) => [
    r.line ? String(r.line) : `Rapport ${r.index + 1}`,
    unitKey(r.unit),
    r.period || "–",
    r.errors.map(problemText).join("\n"),
  ]));
  Array.from(body.rows).forEach((row, i) => {
    row.dataset.reasons = rejected[i].errors.map((e) => e.reason).join(" ");
    row.title = rejected[i].errors.map((e) => e.message).join("\n");
  });
  table($("accepted"), ["Linje", "Enhet", "Måned", "Status"], accepted.map((r) => [
    r.line ? String(r.line) : `Rapport ${r.index + 1}`, unitKey(r.unit), r.period, "Tatt imot – venter på opptelling",
  ]));
  $("h-rejected").hidden = !rejected.length;
  $("h-accepted").hidden = !accepted.length;
}

async function waitUntilCounted(accepted, before) {
  const stop = Date.now() + POLL_LIMIT_MS;
  let waiting = accepted;
  while (waiting.length && Date.now() < stop) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    await loadHistory();
    const now = new Map(page.history.map((m) => [`${m.unit.type}:${m.unit.code} ${m.period}`, m]));
    waiting = waiting.filter((r) => {
      const key = `${r.unit} ${r.period}`, old = before.get(key), seen = now.get(key);
      return !seen || (old && old.revision === seen.revision && old.received_at === seen.received_at);
    });
    const rows = $("accepted").tBodies[0] ? Array.from($("accepted").tBodies[0].rows) : [];
    accepted.forEach((r, i) => {
      if (rows[i] && !waiting.includes(r)) rows[i].cells[3].textContent = "Talt med";
    });
  }
  const rows = $("accepted").tBodies[0] ? Array.from($("accepted").tBodies[0].rows) : [];
  accepted.forEach((r, i) => {
    if (rows[i] && waiting.includes(r)) rows[i].cells[3].textContent = "Ikke talt ennå (samme innhold som før?) – se listen under senere";
  });
  await loadFigures();
}

// --- history and figures -------------------------------------------------------------------

async function loadHistory() {
  const history = await read("/v1/reporting/history");
  page.unit = history.unit;
  page.history = history.months;
  $("unit-name").textContent = unitLabel(history.unit);
  $("latest").textContent = history.months.length ? monthName(history.months[0].period) : "–";
  $("history-empty").hidden = history.months.length > 0;
  table($("history"), ["Måned", "Enhet", "Revisjon", "Rapportert", "Mottatt", "Alle revisjoner"],
    history.months.map((m) => [
      monthName(m.period),
      unitLabel(m.unit),
      String(m.revision),
      when(m.reported_at),
      when(m.received_at),
      m.revisions.map((r) => `${r.revision} (${when(r.first_seen_at)})`).join(", "),
    ]));
  const select = $("figure-period");
  const periods = [...new Set(history.months.map((m) => m.period))];
  const chosen = select.value;
  select.replaceChildren(...periods.map((p) => new Option(monthName(p), p)));
  if (periods.includes(chosen)) select.value = chosen;
}

async function loadFigures() {
  const period = $("figure-period").value;
  if (!period) return;
  const answer = await read(`/v1/reporting/figures?period=${period}`);
  const head = ["", ...answer.columns.map((c) => (c.role === "own" ? `${c.unit.name} (din enhet)`
    : `${COLUMN_TITLES[c.role]} ${c.unit.name}`.trim()))];
  const rows = Object.entries(INDICATOR_NAMES).map(([ind, label]) => [
    label, ...answer.columns.map((c) => figure(c.indicators[ind], c.indicator_status[ind])),
  ]);
  rows.push(["Mottakere per 1000 innbyggere", ...answer.columns.map((c) =>
    figure(c.per_1000_inhabitants.recipients, c.per_1000_inhabitants_status.recipients))]);
  table($("figures"), head, rows);
  document.body.dataset.figures = period;
}

// --- start ---------------------------------------------------------------------------------

function showError(err) {
  $("result").hidden = false;
  $("result-summary").textContent = String(err.message || err);
}

function fail(err) {
  $("login-error").textContent = String(err.message || err);
  $("login").hidden = false;
  $("main").hidden = true;
}

async function start() {
  page.token = storedToken(TOKEN_KEY);
  if (!page.token) {
    $("login").hidden = false;
    return;
  }
  await loadHistory();
  $("login").hidden = true;
  $("main").hidden = false;
  $("logout").hidden = false;
  await loadFigures();
  document.body.dataset.loaded = "1";
}

function init() {
  $("csv-header").textContent = CSV_COLUMNS.join(";");
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
    start().catch(fail);
  });
  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  $("csv-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = $("csv-file").files[0];
    if (file) submit("/v1/reporting/reports/csv", file, "text/csv").catch(showError);
  });
  $("json-form").addEventListener("submit", (e) => {
    e.preventDefault();
    submit("/v1/reporting/reports", $("json-input").value, "application/json").catch(showError);
  });
  $("figure-period").addEventListener("change", () => loadFigures().catch(fail));
  start().catch(fail);
}

init();
