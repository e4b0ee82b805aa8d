"""``report.html``: a self-contained page for SSB (inline CSS and SVG, no CDN, no script).

National summary, accounts flags, units with the largest deviations first, and per-unit
drill-down tables with a chart of stream vs forms by month.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from services.compactor.config import EXACT_INDICATORS, INDICATORS
from services.compactor.control_report import ControlSummary
from services.compactor.reconcile import AccountsRow, ReconRow, Status
from services.compactor.summary import Summary

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right;font-size:13px}
th{background:#f0f0f0} td.l,th.l{text-align:left}
.match{background:#e7f6e7}.within_tolerance{background:#fdf6d8}.deviation{background:#f9d6d5}
.missing_in_stream,.missing_in_forms{background:#dfe4f7}
details{margin:.3em 0} summary{cursor:pointer}
"""
_MONTHS = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")


def _number(value: int | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:+.1%}"
    return f"{value:,}".replace(",", " ")


def svg_chart(series: Mapping[str, Sequence[int | None]], title: str) -> str:
    """A line chart of monthly series (stream vs forms) as inline SVG."""
    width, height, pad = 480, 180, 40
    values = [v for s in series.values() for v in s if v is not None]
    top = max(values, default=0) or 1
    colours = ("#1f5fa8", "#d9822b", "#3a8f3a", "#a33")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{pad}" y="14" font-size="12">{escape(title)}</text>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - 10}" y2="{height - pad}" '
        'stroke="#999"/>',
        f'<text x="2" y="28" font-size="10">{_number(top)}</text>',
    ]
    step = (width - pad - 10) / 11
    for index, month in enumerate(_MONTHS):
        parts.append(
            f'<text x="{pad + index * step - 8:.0f}" y="{height - pad + 14}" '
            f'font-size="10">{month}</text>'
        )
    for number, (label, points) in enumerate(series.items()):
        colour = colours[number % len(colours)]
        coords = [
            f"{pad + i * step:.1f},{height - pad - (v / top) * (height - pad - 24):.1f}"
            for i, v in enumerate(points)
            if v is not None
        ]
        if coords:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{" ".join(coords)}"/>'
            )
        parts.append(
            f'<text x="{width - 120}" y="{16 + 14 * number}" font-size="11" '
            f'fill="{colour}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _summary_table(summary: Summary) -> str:
    statuses = [s.value for s in Status]
    head = "".join(f"<th>{s}</th>" for s in statuses)
    lines = [f'<table><tr><th class="l">indikator</th><th>type</th>{head}</tr>']
    for indicator in INDICATORS:
        counts = summary.status_by_indicator[indicator]
        kind = "exact" if indicator in EXACT_INDICATORS else "estimate"
        cells = "".join(f"<td>{counts.get(s, 0)}</td>" for s in statuses)
        lines.append(f'<tr><td class="l">{indicator}</td><td>{kind}</td>{cells}</tr>')
    lines.append("</table>")
    return "".join(lines)


def _accounts_table(rows: Sequence[AccountsRow]) -> str:
    flagged = [r for r in rows if r.flags]
    flagged.sort(key=lambda r: -abs(r.form_vs_accounts or 0.0))
    lines = [
        "<table><tr><th>kommune</th><th>strøm kr</th><th>skjema kr</th><th>281 kr</th>"
        "<th>skjema mot 281</th><th>strøm mot 281</th><th class='l'>status</th></tr>"
    ]
    for r in flagged:
        lines.append(
            f"<tr><td>{r.municipality}</td><td>{_number(r.stream_kroner)}</td>"
            f"<td>{_number(r.form_kroner)}</td><td>{_number(r.accounts_kroner)}</td>"
            f"<td>{_number(r.form_vs_accounts)}</td><td>{_number(r.stream_vs_accounts)}</td>"
            f"<td class='l'>{escape(r.status)}</td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


def _unit_table(rows: Sequence[ReconRow]) -> str:
    cells: dict[tuple[str, int], ReconRow] = {(r.indicator, r.month): r for r in rows}
    head = "".join(f"<th>{m}</th>" for m in _MONTHS)
    lines = [f'<table><tr><th class="l">indikator</th><th>kilde</th>{head}</tr>']
    for indicator in INDICATORS:
        for side in ("stream", "form"):
            tds = []
            for month in range(1, 13):
                row = cells.get((indicator, month))
                value = None if row is None else (row.stream if side == "stream" else row.form)
                css = f' class="{row.status.value}"' if row is not None else ""
                tds.append(f"<td{css}>{_number(value)}</td>")
            label = indicator if side == "stream" else ""
            source = "strøm" if side == "stream" else "skjema"
            lines.append(f'<tr><td class="l">{label}</td><td>{source}</td>{"".join(tds)}</tr>')
    lines.append("</table>")
    return "".join(lines)


def write_html(
    path: Path,
    *,
    year: int,
    summary: Summary,
    rows: Sequence[ReconRow],
    accounts: Sequence[AccountsRow],
    controls: Mapping[str, Counter[str]],
    names: Mapping[str, str],
    top: int = 40,
    findings: ControlSummary | None = None,
) -> None:
    """Write the page; ``names`` maps unit codes to names, ``controls`` counts findings."""
    by_unit: dict[str, list[ReconRow]] = {}
    for row in rows:
        by_unit.setdefault(f"{row.unit_type}:{row.unit_code}", []).append(row)
    totals = summary.status_totals()
    severity_totals: Counter[str] = Counter()
    for counts in controls.values():
        severity_totals.update(counts)
    out = [
        "<!doctype html><html lang='no'><head><meta charset='utf-8'>",
        f"<title>sosialpuls — avstemming {year}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Årsavstemming {year}: månedsstrømmen mot KOSTRA 11F/11CF og regnskapet</h1>",
        "<h2>Nasjonalt sammendrag</h2>",
        f"<p>{len(summary.units)} enheter sammenlignet; rader: "
        + ", ".join(f"{k} {v}" for k, v in sorted(totals.items()))
        + f". Regnskap flagget (±20 %): {summary.accounts_flagged}. Kontrollfunn: "
        + (", ".join(f"{k} {v}" for k, v in sorted(severity_totals.items())) or "ingen")
        + ".</p>",
        _summary_table(summary),
        svg_chart(
            {
                "strøm": summary.national_stream["recipients"],
                "skjema": summary.national_forms["recipients"],
            },
            "Mottakere per måned, alle kommuner",
        ),
        svg_chart(
            {
                "strøm": summary.national_stream["kroner_paid"],
                "skjema": summary.national_forms["kroner_paid"],
            },
            "Utbetalt (kr) per måned, alle kommuner",
        ),
        findings.html() if findings is not None else "",
        "<h2>Regnskapskontroll (funksjon 281)</h2>",
        _accounts_table(accounts),
        "<h2>Enhetene med størst avvik</h2><table><tr><th class='l'>enhet</th>"
        "<th class='l'>navn</th><th>avviksrader</th><th>største relative avvik</th></tr>",
    ]
    worst = [u for u in summary.units if u.problems][:top]
    for unit in worst:
        largest = None if unit.largest_relative == float("inf") else unit.largest_relative
        out.append(
            f"<tr><td class='l'><a href='#{unit.key}'>{unit.key}</a></td>"
            f"<td class='l'>{escape(names.get(unit.unit_code, ''))}</td>"
            f"<td>{unit.problems}</td><td>{_number(largest)}</td></tr>"
        )
    out.append("</table><h2>Enheter</h2>")
    for unit in summary.units:
        unit_rows = by_unit.get(unit.key, [])
        series: dict[str, list[int | None]] = {"strøm": [None] * 12, "skjema": [None] * 12}
        for row in unit_rows:
            if row.indicator == "recipients":
                series["strøm"][row.month - 1] = row.stream
                series["skjema"][row.month - 1] = row.form
        label = f"{unit.key} {names.get(unit.unit_code, '')} — {unit.problems} avviksrader"
        out.append(
            f"<details id='{unit.key}'{' open' if unit in worst[:5] else ''}>"
            f"<summary>{escape(label)}</summary>"
            + svg_chart(series, f"{unit.key}: mottakere")
            + _unit_table(unit_rows)
            + "</details>"
        )
    out.append("</body></html>")
    path.write_text("\n".join(out), encoding="utf-8")
