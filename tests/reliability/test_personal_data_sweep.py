"""No fødselsnummer anywhere it must not be: a simulated year with faults (some reports carry
a fødselsnummer, and the 11F forms are full of them) goes through the aggregator and the
compactor; then every number the simulator generated is searched for in the worker's log,
every text column of every table in PostgreSQL, the DLQ (headers and values), the worker's
metrics text, the compactor's reports and the simulator's outputs other than its inputs
(``reports.jsonl`` and the KOSTRA ``.dat`` forms)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from integration.aggregator_support import (
    SimulatedYear,
    produce,
    simulated_year,
    start_worker,
    wait_caught_up,
)
from support.broker import dlq_contents

from contracts.personal_data import is_fodselsnummer
from deploy.local.topics import TopicSet

ELEVEN = re.compile(r"(?=(\d{11}))")
INPUTS = {"reports.jsonl", "11F.dat", "11CF.dat"}


def numbers_in(text: str) -> set[str]:
    return {m.group(1) for m in ELEVEN.finditer(text) if is_fodselsnummer(m.group(1))}


def generated_numbers(out: Path, sim: SimulatedYear) -> set[str]:
    """Every fødselsnummer the simulator put in its inputs."""
    found: set[str] = set()
    for index, reason in sim.bad_lines.items():
        if reason == "personal_data":
            found |= numbers_in(sim.lines[index])
    for form in ("11F.dat", "11CF.dat"):
        found |= numbers_in((out / form).read_text(encoding="iso-8859-1"))
    return found


async def text_of_database(pool: asyncpg.Pool) -> str:
    columns = await pool.fetch(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = 'public'
             AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"""
    )
    parts = []
    for c in columns:
        rows = await pool.fetch(f'SELECT "{c["column_name"]}"::text AS v FROM "{c["table_name"]}"')
        parts += [r["v"] or "" for r in rows]
    return "\n".join(parts)


def leaks(numbers: set[str], text: str) -> set[str]:
    return {n for n in numbers if n in text}


async def test_no_fodselsnummer_leaves_the_inputs(
    tmp_path: Path,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
) -> None:
    sim_dir = tmp_path / "sim"
    sim = simulated_year(sim_dir)
    numbers = generated_numbers(sim_dir, sim)
    assert any(r == "personal_data" for r in sim.bad_lines.values())
    assert len(numbers) > 100  # the sweep has something to look for

    ends = await produce(kafka_brokers, topics.reports, sim.lines)
    group = f"sweep-{uuid.uuid4().hex[:8]}"
    worker = start_worker(kafka_brokers, pg_database_url, topics, group)
    try:
        await wait_caught_up(kafka_brokers, group, topics.reports, ends, worker)
        async with httpx.AsyncClient(timeout=10) as http:
            metrics = (await http.get(f"http://127.0.0.1:{worker.port}/metrics")).text
    finally:
        worker.stop()

    report_dir = tmp_path / "compact"
    env = {**os.environ, "DATABASE_URL": pg_database_url}
    compact = subprocess.run(
        [
            sys.executable, "-m", "services.cli.main", "compact", "--year", "2025",
            "--skjema11", str(sim_dir / "11F.dat"), "--skjema11c", str(sim_dir / "11CF.dat"),
            "--accounts", str(sim_dir / "accounts.csv"), "--out", str(report_dir),
            "--database-url", pg_database_url,
        ],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert compact.returncode in (0, 1), compact.stderr[-2000:]
    assert any(report_dir.iterdir()), compact.stdout + compact.stderr

    places: dict[str, str] = {
        "worker log": worker.log.read_text(errors="replace"),
        "worker metrics": metrics,
        "compactor stdout/stderr": compact.stdout + compact.stderr,
        "postgres": await text_of_database(pg_pool),
    }
    dlq = await dlq_contents(kafka_brokers, topics.dlq)
    places["dlq"] = "\n".join(json.dumps(h) + (v.decode("utf-8", errors="replace")) for h, v in dlq)
    for path in sorted(report_dir.rglob("*")) + sorted(sim_dir.rglob("*")):
        if path.is_file() and path.name not in INPUTS:
            places[str(path.relative_to(tmp_path))] = path.read_text(errors="replace")
    found = {where: leaks(numbers, text) for where, text in places.items()}
    assert {where: n for where, n in found.items() if n} == {}
    assert len(places) > 8


@pytest.mark.parametrize("text", ["sak 01010100050", "x01010100050y"])
def test_the_sweep_finds_a_planted_number(text: str) -> None:
    assert leaks({"01010100050"}, text) == {"01010100050"}
