"""What the demo prints at the end: read back from PostgreSQL and the compactor's report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg

from services.demo.replay import ReplayTally

FIGURES_SQL = """
SELECT
  (SELECT count(*) FROM unit_month_facts)                        AS facts,
  (SELECT count(*) FROM rollup_month)                            AS rollups,
  (SELECT count(*) FROM rejected_reports)                        AS rejected,
  (SELECT coalesce(max(persisted_at), 'epoch') FROM unit_month_facts) AS last_fact,
  (SELECT coalesce(max(rejected_at), 'epoch') FROM rejected_reports) AS last_reject
"""
NATION_SQL = """
SELECT to_char(period, 'YYYY-MM') AS period, recipients, kroner_paid, qp_participants
FROM rollup_month WHERE level = 'nation' AND extract(year FROM period) = $1 ORDER BY period
"""
SEALED_SQL = "SELECT EXISTS (SELECT 1 FROM sealed_years WHERE year = $1)"
REJECTS_SQL = "SELECT reason, count(*) AS n FROM rejected_reports GROUP BY reason ORDER BY n DESC"
COVERAGE_SQL = """
SELECT level, units_reported, units_expected FROM coverage
WHERE period = make_date($1, 12, 1) ORDER BY level
"""


async def is_sealed(database_url: str, year: int) -> bool:
    """Whether the compactor has sealed ``year`` in this database (a previous demo did)."""
    connection = await asyncpg.connect(database_url)
    try:
        return bool(await connection.fetchval(SEALED_SQL, year))
    finally:
        await connection.close()


async def database_state(database_url: str) -> tuple[Any, ...]:
    """A fingerprint that changes while the aggregator is still writing."""
    connection = await asyncpg.connect(database_url)
    try:
        row = await connection.fetchrow(FIGURES_SQL)
    finally:
        await connection.close()
    assert row is not None
    return tuple(row.values())


async def render_summary(
    database_url: str, year: int, tally: ReplayTally, reconciliation_dir: Path
) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        figures = await connection.fetchrow(FIGURES_SQL)
        assert figures is not None
        facts, rollups, rejected = figures["facts"], figures["rollups"], figures["rejected"]
        nation = await connection.fetch(NATION_SQL, year)
        rejects = await connection.fetch(REJECTS_SQL)
        coverage = await connection.fetch(COVERAGE_SQL, year)
    finally:
        await connection.close()
    lines = [
        "",
        f"== sosialpuls demo: the simulated year {year}",
        f"gateway: {tally.reports_sent} reports in {tally.requests} requests, "
        f"{tally.accepted} accepted",
    ]
    for reason, count in tally.rejected.most_common():
        lines.append(f"  rejected at the gateway: {count:>5}  {reason}")
    lines.append(f"aggregator: {facts} unit-month facts, {rollups} rollups, {rejected} rejected")
    for row in rejects:
        lines.append(f"  dead-lettered: {row['n']:>5}  {row['reason']}")
    if coverage:
        parts = [f"{r['level']} {r['units_reported']}/{r['units_expected']}" for r in coverage]
        lines.append(f"coverage {year}-12: " + ", ".join(parts))
    if nation:
        lines.append("nation by month (recipients, kroner paid):")
        for row in nation:
            recipients, kroner = row["recipients"] or 0, row["kroner_paid"] or 0
            lines.append(f"  {row['period']}  {recipients:>8,}  {kroner:>15,} kr")
    lines.extend(_reconciliation_lines(reconciliation_dir))
    return "\n".join(lines)


def _reconciliation_lines(directory: Path) -> list[str]:
    path = directory / "reconciliation.json"
    if not path.exists():
        return [f"reconciliation: no report in {directory}"]
    data = json.loads(path.read_text())
    summary = data.get("summary", {}) if isinstance(data, dict) else {}
    lines = [f"reconciliation report: {directory / 'report.html'}"]
    for key, value in sorted(summary.items()) if isinstance(summary, dict) else []:
        if isinstance(value, int | float | str):
            lines.append(f"  {key}: {value}")
        elif isinstance(value, dict):
            lines.append(f"  {key}: " + ", ".join(f"{k} {v}" for k, v in sorted(value.items())))
    return lines
