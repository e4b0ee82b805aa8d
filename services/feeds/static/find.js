// The dashboard's municipality finder: type part of a name, pick a hit, and the trend
// chart shows that municipality's last 24 months. Loaded before app.js; uses its globals
// (state, api, shift, renderTrend, report, INDICATOR_NAMES) only when called.
"use strict";

function municipalityHits(query) {
  const data = state.municipalities;
  const q = query.trim().toLowerCase();
  if (!data || !q) return [];
  const name = (u) => (data.labels[u] || "").toLowerCase();
  return data.units.filter((u) => u.startsWith("municipality:"))
    .filter((u) => name(u).includes(q) || u.endsWith(`:${q}`))
    .sort((a, b) => Number(!name(a).startsWith(q)) - Number(!name(b).startsWith(q)) || name(a).localeCompare(name(b), "nb"));
}

function renderHits() {
  const hits = municipalityHits($("find-municipality").value).slice(0, 8);
  const list = $("find-hits");
  list.replaceChildren(...hits.map((unit) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `${state.municipalities.labels[unit]} (${unit.split(":")[1]})`;
    button.addEventListener("click", () => selectMunicipality(unit).catch(report));
    li.appendChild(button);
    return li;
  }));
}

async function selectMunicipality(unit) {
  const code = unit.split(":")[1];
  const data = await api(`/v1/units/municipality/${code}/indicators?from=${shift(state.period, -23)}&to=${state.period}`);
  const cells = {};
  for (const m of data.months) {
    for (const ind of Object.keys(INDICATOR_NAMES)) {
      cells[`${m.period} ${ind}`] = { value: m.indicators[ind], status: (m.indicator_status || {})[ind] || null };
    }
  }
  state.history[unit] = (_, p, ind) => cells[`${p} ${ind}`] || { value: null, status: ".." };
  const area = $("area");
  if (!Array.from(area.options).some((o) => o.value === unit)) area.add(new Option(`${data.unit.name} (kommune)`, unit));
  area.value = unit;
  $("find-municipality").value = data.unit.name;
  $("find-hits").replaceChildren();
  renderTrend();
}
