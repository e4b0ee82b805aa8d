// What the dashboard (app.js) and the reporting page (rapportering.js) share: names in bokmål,
// number and month formatting, data tables and the sign-in token. Loaded before either.
"use strict";

const INDICATOR_NAMES = {
  recipients: "Mottakere",
  recipients_with_children: "Med forsørgeransvar for barn",
  recipients_main_livelihood: "Sosialhjelp som hovedinntekt",
  recipients_under_30: "Under 30 år",
  kroner_paid: "Utbetalt (kr)",
  qp_participants: "Deltakere i KVP",
};
const MONTH_NAMES = ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"];
const numbers = new Intl.NumberFormat("nb-NO", { maximumFractionDigits: 1 });

function $(id) { return document.getElementById(id); }

function monthName(period) {
  const [y, m] = period.split("-").map(Number);
  return `${MONTH_NAMES[m - 1]} ${y}`;
}

// A published figure, or its status: ":" (suppressed) or ".." (not reported).
function figure(value, status) {
  if (value === null || value === undefined) return status || "..";
  return numbers.format(value);
}

function fillTable(table, head, rows) {
  table.replaceChildren();
  const thead = table.createTHead().insertRow();
  for (const h of head) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    thead.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = cell;
  }
  return body;
}

// The token kept in sessionStorage under `key`; a `#token=…` in the address replaces it
// (and is taken out of the address).
function storedToken(key) {
  const match = location.hash.match(/token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(key, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem(key);
}
