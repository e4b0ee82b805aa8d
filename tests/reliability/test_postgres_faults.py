"""PostgreSQL going away under the aggregator, on a private stack whose PostgreSQL the
launcher can stop and start alone (the broker is the session's):

- PostgreSQL restarted mid-run: the worker waits, readiness is 503 while the database is
  gone, and the final facts and rollups equal the simulator's truth.
- The lag metric with the worker paused (its database gone) and N reports unread reads N
  (± one batch).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from integration.aggregator_support import (
    WorkerProcess,
    committed,
    produce,
    start_worker,
    wait_caught_up,
)
from support.databases import create_database
from support.faults import Backlog, backlog, wait_for_facts
from test_worker_faults import assert_equals_truth

from deploy.local import LocalStack, StackHome
from deploy.local.postgres import start_cluster, wait_for_postgres, with_database
from deploy.local.processes import load_record, stop
from deploy.local.topics import TopicSet

BATCH = 50


def sosialpuls(home: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BROKERS", "DATABASE_URL")}
    env["SOSIALPULS_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


class PrivatePostgres:
    """The PostgreSQL of a private stack home, which a test may stop and start."""

    def __init__(self, home: Path) -> None:
        self.home = StackHome(home)
        self.url = LocalStack.from_home(self.home).database_url

    def stop(self) -> None:
        record = load_record(self.home, "postgres")
        assert record is not None
        assert stop(self.home, record)

    async def start(self) -> None:
        """Start it again on the same address (the worker keeps its database URL)."""
        start_cluster(self.home, port=int(self.url.rsplit(":", 1)[1].split("/")[0]))
        await wait_for_postgres(with_database(self.url, "postgres"))

    async def new_database(self) -> str:
        return await create_database(self.url, "faults")


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    home = Path(tempfile.mkdtemp(prefix="sosialpuls-pgfault-"))
    try:
        sosialpuls(home, "up", "--no-services")
        yield PrivatePostgres(home)
    finally:
        sosialpuls(home, "down")
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
async def database(private_postgres: PrivatePostgres) -> AsyncIterator[str]:
    yield await private_postgres.new_database()


@pytest.fixture(scope="module")
def one_year(tmp_path_factory: pytest.TempPathFactory) -> Backlog:
    return backlog(tmp_path_factory.mktemp("sim"), [2025])


async def worker_page(worker: WorkerProcess, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as http:
        return await http.get(f"http://127.0.0.1:{worker.port}{path}")


WAITING = ("not persisted", "PostgreSQL not reachable", "failed; retrying")


async def wait_until_waiting(worker: WorkerProcess, timeout: float = 120) -> None:
    """Until the worker logs that it waits for PostgreSQL."""
    for _ in range(int(timeout / 0.2)):
        if any(text in worker.log.read_text(errors="replace") for text in WAITING):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"never waited for PostgreSQL: {worker.log.read_text()[-2000:]}")


async def wait_committed(
    brokers: str, group: str, topic: str, ends: dict[int, int], timeout: float = 120
) -> None:
    """Until the group committed ``ends`` (whatever the worker logged on the way)."""
    for _ in range(int(timeout / 0.5)):
        offsets = await committed(brokers, group, topic, list(ends))
        if all(offsets[p] >= end for p, end in ends.items()):
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"not caught up: {offsets} < {ends}")


def lag_of(metrics_text: str) -> int:
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in metrics_text.splitlines()
        if line.startswith("sosialpuls_consumer_lag{")
    )


async def test_postgres_restarted_mid_run_equals_truth(
    one_year: Backlog,
    private_postgres: PrivatePostgres,
    database: str,
    kafka_brokers: str,
    topics: TopicSet,
) -> None:
    ends = await produce(kafka_brokers, topics.reports, one_year.lines)
    group = f"pgfault-{uuid.uuid4().hex[:8]}"
    worker = start_worker(
        kafka_brokers, database, topics, group, SOSIALPULS_AGGREGATOR_BATCH_SIZE=str(BATCH)
    )
    try:
        pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
        try:
            await wait_for_facts(pool, len(one_year.facts) // 5)
        finally:
            await pool.close()
        private_postgres.stop()
        try:
            await wait_until_waiting(worker)
            ready_without_db = (await worker_page(worker, "/internal/isReady")).status_code
        finally:
            await private_postgres.start()
        await wait_committed(kafka_brokers, group, topics.reports, ends)
        ready_after = (await worker_page(worker, "/internal/isReady")).status_code
    finally:
        worker.stop()
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        await assert_equals_truth(pool, one_year)
    finally:
        await pool.close()
    assert (ready_without_db, ready_after) == (503, 200)
    assert "Crashed reason" not in worker.log.read_text(errors="replace")


async def test_lag_reads_the_unread_reports_while_the_worker_is_paused(
    private_postgres: PrivatePostgres,
    database: str,
    kafka_brokers: str,
    topics: TopicSet,
    one_year: Backlog,
) -> None:
    valid = [line for i, line in enumerate(one_year.lines) if '"municipality"' in line][:2000]
    first, unread = valid[:100], valid[100:]
    ends = await produce(kafka_brokers, topics.reports, first)
    group = f"lag-{uuid.uuid4().hex[:8]}"
    worker = start_worker(
        kafka_brokers, database, topics, group, SOSIALPULS_AGGREGATOR_BATCH_SIZE=str(BATCH)
    )
    try:
        await wait_caught_up(kafka_brokers, group, topics.reports, ends, worker)
        private_postgres.stop()
        try:
            await produce(kafka_brokers, topics.reports, unread)
            await wait_until_waiting(worker)
            await asyncio.sleep(3)  # a few retries: the worker is paused on its batch
            lag = lag_of((await worker_page(worker, "/metrics")).text)
        finally:
            await private_postgres.start()
    finally:
        worker.stop()
    assert abs(lag - len(unread)) <= BATCH * len(ends), f"lag {lag}, unread {len(unread)}"
