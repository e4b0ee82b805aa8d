"""The feeds' PostgreSQL adapter: the pool (``Database``) and the read models as plain SQL
over the tables of docs/interfaces.md (asyncpg).

Every function takes a connection and returns plain Python values; periods go in and come
out as ``"YYYY-MM"`` strings (the tables hold the first day of the month).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from contracts.periods import period_date, period_text
from contracts.rules import INDICATORS

Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"

INDICATOR_COLUMNS = ", ".join(INDICATORS)  # the columns of facts and rollups, in order


class Database:
    """An asyncpg pool opened on first use and closed with the app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()

    async def pool(self) -> asyncpg.Pool:
        async with self._lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=5)
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


def _row(record: asyncpg.Record) -> dict[str, Any]:
    row = dict(record)
    if isinstance(row.get("period"), date):
        row["period"] = period_text(row["period"])
    return row


async def rollups(
    con: Conn,
    levels: Sequence[str],
    first: str,
    last: str,
    codes: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """``rollup_month`` rows of ``levels`` (optionally only ``codes``) in a period range."""
    sql = (
        f"SELECT level, code, period, {INDICATOR_COLUMNS}, members_reported, "
        "members_expected, updated_at FROM rollup_month "
        "WHERE level = ANY($1::text[]) AND period BETWEEN $2 AND $3 "
        "AND ($4::text[] IS NULL OR code = ANY($4::text[])) ORDER BY level, code, period"
    )
    records = await con.fetch(
        sql,
        list(levels),
        period_date(first),
        period_date(last),
        None if codes is None else list(codes),
    )
    return [_row(r) for r in records]


async def own_reports(
    con: Conn, unit_type: str, code: str, first: str, last: str
) -> dict[str, dict[str, Any]]:
    """Revision and report time of a reporting unit's own reports, by period."""
    records = await con.fetch(
        "SELECT period, revision, reported_at, received_at FROM unit_month_facts "
        "WHERE unit_type = $1 AND unit_code = $2 AND period BETWEEN $3 AND $4",
        unit_type,
        code,
        period_date(first),
        period_date(last),
    )
    return {period_text(r["period"]): dict(r) for r in records}


async def sealed_years(con: Conn) -> set[int]:
    return {int(r["year"]) for r in await con.fetch("SELECT year FROM sealed_years")}


async def latest_period(con: Conn) -> str | None:
    """The latest period with any rollup (the dashboard's default month)."""
    day = await con.fetchval("SELECT max(period) FROM rollup_month WHERE level = 'nation'")
    return None if day is None else period_text(day)


async def coverage(con: Conn, period: str) -> list[dict[str, Any]]:
    """Units expected and reported per level at ``period`` (the ``coverage`` view)."""
    return await _rows_at(
        con,
        "SELECT level, units_reported, units_expected, coverage FROM coverage "
        "WHERE period = $1 ORDER BY level",
        period,
    )


async def missing_units(con: Conn, period: str, level: str) -> list[str]:
    """Codes expected at ``level`` and ``period`` that have no rollup (not reported)."""
    records = await con.fetch(
        "SELECT e.code FROM expected_units e LEFT JOIN rollup_month r "
        "ON r.level = e.level AND r.code = e.code AND r.period = e.period "
        "WHERE e.period = $1 AND e.level = $2 AND r.code IS NULL ORDER BY e.code",
        period_date(period),
        level,
    )
    return [str(r["code"]) for r in records]


async def report_times(con: Conn, period: str) -> list[dict[str, Any]]:
    """When each unit's winning report for ``period`` was received."""
    return await _rows_at(
        con,
        "SELECT unit_type, unit_code, revision, received_at FROM unit_month_facts "
        "WHERE period = $1 ORDER BY unit_type, unit_code",
        period,
    )


async def _rows_at(con: Conn, sql: str, period: str) -> list[dict[str, Any]]:
    """The rows of ``sql`` (one parameter: the month ``period``) as dicts."""
    return [dict(r) for r in await con.fetch(sql, period_date(period))]


async def latest_update(con: Conn) -> datetime | None:
    value = await con.fetchval("SELECT max(updated_at) FROM rollup_month")
    return value if isinstance(value, datetime) else None


async def changes_since(con: Conn, since: datetime, limit: int) -> list[dict[str, Any]]:
    """Rollups changed after ``since`` (oldest first), for the live stream."""
    records = await con.fetch(
        "SELECT level, code, period, updated_at FROM rollup_month WHERE updated_at > $1 "
        "ORDER BY updated_at LIMIT $2",
        since,
        limit,
    )
    return [_row(r) for r in records]


async def period_versions(con: Conn, first: str, last: str) -> dict[str, datetime]:
    """The latest ``updated_at`` of each period's rollups (a cache version)."""
    records = await con.fetch(
        "SELECT period, max(updated_at) AS version FROM rollup_month "
        "WHERE period BETWEEN $1 AND $2 GROUP BY period ORDER BY period",
        period_date(first),
        period_date(last),
    )
    return {period_text(r["period"]): r["version"] for r in records}
