"""Helpers for the fault tests: several simulated years as one backlog, and waiting for
persisted progress."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from integration.aggregator_support import (
    SimulatedYear,
    Table,
    simulated_year,
    truth_facts,
    truth_rollups,
)


@dataclass(frozen=True)
class Backlog:
    """Report lines (each year's lines ``copies`` times) and the merged truth."""

    lines: list[str]
    facts: Table
    rollups: Table
    bad_lines: int


def backlog(out: Path, years: list[int], copies: int = 1, scale: float = 0.02) -> Backlog:
    lines: list[str] = []
    facts: Table = {}
    rollups: Table = {}
    bad = 0
    for year in years:
        sim: SimulatedYear = simulated_year(out / str(year), year=year, scale=scale)
        lines += sim.lines * copies
        facts.update(truth_facts(sim.truth))
        rollups.update(truth_rollups(sim.truth))
        bad += len(sim.bad_lines) * copies
    return Backlog(lines, facts, rollups, bad)


async def wait_for_facts(pool: asyncpg.Pool, at_least: int, timeout: float = 300) -> int:
    """Until ``unit_month_facts`` holds ``at_least`` rows; returns the count seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        count = int(await pool.fetchval("SELECT count(*) FROM unit_month_facts"))
        if count >= at_least:
            return count
        if loop.time() > deadline:
            raise AssertionError(f"only {count} facts persisted, waited for {at_least}")
        await asyncio.sleep(0.05)
