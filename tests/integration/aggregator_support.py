"""Helpers for the aggregator's integration tests: a simulated year, producing it, running
the worker as a subprocess, waiting until it caught up, and reading the results."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from support.broker import dlq_contents

from deploy.local.home import free_port
from deploy.local.topics import TopicSet
from services.aggregator.adapters.write_model import INDICATOR_COLUMNS, period_text
from services.simulator.run import SimulationConfig, simulate

_REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SimulatedYear:
    """A simulated year's report lines, fault tags and truth."""

    lines: list[str]
    faults: list[dict[str, Any]]
    truth: dict[str, Any]

    @property
    def bad_lines(self) -> dict[int, str]:
        """Line index (0-based) → expected DLQ reason."""
        return {t["line"] - 1: t["reason"] for t in self.faults if t["reason"]}


def simulated_year(
    out: Path, year: int = 2025, seed: int = 7, scale: float = 0.02
) -> SimulatedYear:
    simulate(SimulationConfig(year=year, seed=seed, scale=scale, faults="standard"), out)
    lines = (out / "reports.jsonl").read_text().splitlines()
    faults = [json.loads(x) for x in (out / "faults.jsonl").read_text().splitlines() if x]
    truth = json.loads((out / "truth.json").read_text())
    return SimulatedYear(lines, faults, truth)


def key_of(line: str) -> bytes:
    """The topic key the gateway would use; junk lines get a fixed key."""
    try:
        unit = json.loads(line)["unit"]
        return f"{unit['type']}:{unit['code']}".encode()
    except Exception:
        return b"unparseable"


def reverse_revisions(sim: SimulatedYear) -> list[str]:
    """Valid reports with each unit-period's revisions in descending order, then the fault
    lines (so a conflicting copy still comes after the report it conflicts with)."""
    bad = sim.bad_lines
    good = [line for i, line in enumerate(sim.lines) if i not in bad]
    rank = {id(line): i for i, line in enumerate(good)}

    def order(line: str) -> tuple[str, int, int]:
        r = json.loads(line)
        return (
            f"{r['unit']['type']}:{r['unit']['code']}:{r['period']}",
            -r["revision"],
            rank[id(line)],
        )

    return sorted(good, key=order) + [sim.lines[i] for i in sorted(bad)]


async def produce(brokers: str, topic: str, lines: Sequence[str]) -> dict[int, int]:
    """Produce every line; returns partition → end offset (last offset + 1)."""
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=5)
    await producer.start()
    ends: dict[int, int] = defaultdict(int)
    try:
        futures = [await producer.send(topic, line.encode(), key=key_of(line)) for line in lines]
        for meta in await asyncio.gather(*futures):
            ends[meta.partition] = max(ends[meta.partition], meta.offset + 1)
    finally:
        await producer.stop()
    return dict(ends)


@dataclass
class WorkerProcess:
    """A ``python -m services.aggregator`` subprocess."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(
    brokers: str, database_url: str, topics: TopicSet, group: str, **env: str
) -> WorkerProcess:
    home = Path(tempfile.mkdtemp(prefix="aggregator-test-"))
    port = free_port()
    prefix = topics.reports.removesuffix("sosialpuls.indicator-reports.v1")
    full_env = {
        **os.environ,
        "KAFKA_BROKERS": brokers,
        "DATABASE_URL": database_url,
        "SOSIALPULS_HOME": str(home),
        "SOSIALPULS_TOPIC_PREFIX": prefix,
        "SOSIALPULS_AGGREGATOR_GROUP_ID": group,
        "SOSIALPULS_AGGREGATOR_WEB_PORT": str(port),
        **env,
    }
    log = home / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.aggregator"],
            env=full_env,
            cwd=_REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return WorkerProcess(process, port, log)


async def committed(
    brokers: str, group: str, topic: str, partitions: Sequence[int]
) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=brokers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        out = {}
        for p in partitions:
            offset = await consumer.committed(TopicPartition(topic, p))
            out[p] = offset or 0
        return out
    finally:
        await consumer.stop()


async def wait_caught_up(
    brokers: str,
    group: str,
    topic: str,
    ends: dict[int, int],
    worker: WorkerProcess,
    timeout: float = 240,
) -> None:
    """Until the group's committed offsets reach ``ends`` (fails if the worker died)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        log = worker.log.read_text(errors="replace")
        if (
            worker.process.poll() is not None
            or "Crashed reason" in log
            or "failed; retrying" in log
        ):
            raise AssertionError(f"worker died or crashed: {log[-3000:]}")
        offsets = await committed(brokers, group, topic, list(ends))
        if all(offsets[p] >= end for p, end in ends.items()):
            return
        if loop.time() > deadline:
            raise AssertionError(
                f"not caught up: {offsets} < {ends}\n{worker.log.read_text()[-3000:]}"
            )
        await asyncio.sleep(0.5)


Table = dict[tuple[str, str, str], dict[str, int | None]]


async def run_until_caught_up(
    brokers: str,
    database_url: str,
    topics: TopicSet,
    group: str,
    ends: dict[int, int],
    timeout: float = 240,
    **env: str,
) -> None:
    """Start a worker in ``group`` (``env`` on top of the test settings), wait until the
    group's committed offsets reach ``ends``, then stop it."""
    worker = start_worker(brokers, database_url, topics, group, **env)
    try:
        await wait_caught_up(brokers, group, topics.reports, ends, worker, timeout=timeout)
    finally:
        worker.stop()


async def stored_facts(pool: asyncpg.Pool) -> Table:
    rows = await pool.fetch(
        f"SELECT unit_type, unit_code, period, {', '.join(INDICATOR_COLUMNS)} FROM unit_month_facts"
    )
    return {
        (r["unit_type"], r["unit_code"], period_text(r["period"])): {
            c: r[c] for c in INDICATOR_COLUMNS
        }
        for r in rows
    }


async def stored_rollups(pool: asyncpg.Pool) -> Table:
    rows = await pool.fetch(
        f"SELECT level, code, period, {', '.join(INDICATOR_COLUMNS)} FROM rollup_month"
    )
    return {
        (r["level"], r["code"], period_text(r["period"])): {c: r[c] for c in INDICATOR_COLUMNS}
        for r in rows
    }


def truth_facts(truth: dict[str, Any]) -> Table:
    out: Table = {}
    for key, months in truth["units"].items():
        unit_type, code = key.split(":")
        for period, values in months.items():
            out[(unit_type, code, period)] = dict(values)
    return out


def truth_rollups(truth: dict[str, Any]) -> Table:
    return {
        (level, code, period): dict(values)
        for level, codes in truth["rollups"].items()
        for code, months in codes.items()
        for period, values in months.items()
    }


async def dlq_records(brokers: str, topic: str) -> list[dict[str, str]]:
    """Every DLQ record's headers (read from the beginning until idle)."""
    return [headers for headers, _ in await dlq_contents(brokers, topic)]


async def scorecard_topic_state(brokers: str, topic: str) -> dict[str, dict[str, Any] | None]:
    """The compacted scorecard topic as a reader ends up with it: per key the last value
    (None for a tombstone), read from the beginning of every partition until idle."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=brokers, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    state: dict[str, dict[str, Any] | None] = {}
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                for r in records:
                    assert r.key is not None
                    state[r.key.decode()] = json.loads(r.value) if r.value else None
    finally:
        await consumer.stop()
    return state


async def assert_scorecards_equal_rollups(pool: asyncpg.Pool, brokers: str, topic: str) -> int:
    """Every rollup in PostgreSQL is on the scorecard topic with its current figures, and
    every other key there is a tombstone; returns how many rollups were compared."""
    on_topic = await scorecard_topic_state(brokers, topic)
    stored = await pool.fetch(
        f"""SELECT level, code, to_char(period, 'YYYY-MM') AS period,
                   {", ".join(INDICATOR_COLUMNS)}, members_reported, members_expected
            FROM rollup_month"""
    )
    expected = {
        f"{r['level']}:{r['code']}:{r['period']}": {
            "level": r["level"],
            "code": r["code"],
            "period": r["period"],
            "indicators": {c: r[c] for c in INDICATOR_COLUMNS},
            "members_reported": r["members_reported"],
            "members_expected": r["members_expected"],
        }
        for r in stored
    }
    live = {k: v for k, v in on_topic.items() if v is not None}
    missing = expected.keys() - live.keys()
    assert not missing, f"{len(missing)} rollups never sent, e.g. {sorted(missing)[:3]}"
    stale = [k for k in expected if live[k] != expected[k]]
    assert not stale, f"{len(stale)} stale on the topic, e.g. {stale[0]}: {live[stale[0]]}"
    extra = live.keys() - expected.keys()
    assert not extra, f"{len(extra)} keys on the topic without a rollup: {sorted(extra)[:3]}"
    return len(expected)


_GROUPED = f"""
SELECT m.level, m.code, m.period, {", ".join(f"sum(f.{c}) AS {c}" for c in INDICATOR_COLUMNS)}
FROM unit_month_facts f
JOIN unit_rollup_membership m USING (unit_type, unit_code, period)
WHERE m.level IN ('county', 'nation', 'kostra_group')
GROUP BY m.level, m.code, m.period"""
_STORED = f"""
SELECT level, code, period, {", ".join(INDICATOR_COLUMNS)} FROM rollup_month
WHERE level IN ('county', 'nation', 'kostra_group')"""
GROUP_BY_CHECK = f"""
({_GROUPED} EXCEPT {_STORED}) UNION ALL ({_STORED} EXCEPT {_GROUPED})
"""
"""Rows where a plain GROUP BY over facts and ``rollup_month`` differ (must be none)."""


def first_of(period: str) -> date:
    return date(int(period[:4]), int(period[5:]), 1)
