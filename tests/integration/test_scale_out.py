"""Scale-out: two aggregator workers in one consumer group on the 4-partition reports topic.

The partitions are split between the workers, the results equal truth and a one-worker run,
and when one worker is stopped (SIGTERM) mid-stream the other takes over its partitions
and the final tables still equal truth.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from aggregator_support import (
    GROUP_BY_CHECK,
    SimulatedYear,
    WorkerProcess,
    assert_scorecards_equal_rollups,
    committed,
    produce,
    simulated_year,
    start_worker,
    stored_facts,
    stored_rollups,
    truth_facts,
    truth_rollups,
    wait_caught_up,
)
from prometheus_client.parser import text_string_to_metric_families
from support.databases import database

from deploy.local import LocalStack
from deploy.local.topics import TopicSet

# Every stored column but the wall-clock ones (received_at, persisted_at, updated_at).
FACT_ROWS = """SELECT unit_type, unit_code, period, revision, event_id, content_digest, source,
    reported_at, recipients, recipients_with_children, recipients_main_livelihood,
    recipients_under_30, kroner_paid, qp_participants
    FROM unit_month_facts ORDER BY unit_type, unit_code, period"""
ROLLUP_ROWS = """SELECT level, code, period, recipients, recipients_with_children,
    recipients_main_livelihood, recipients_under_30, kroner_paid, qp_participants,
    members_reported, members_expected FROM rollup_month ORDER BY level, code, period"""


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> SimulatedYear:
    return simulated_year(tmp_path_factory.mktemp("sim"), seed=17)


@pytest.fixture
async def other_database(local_stack: LocalStack) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A second fresh, migrated database (for the one-worker run beside the two-worker one)."""
    async with database(local_stack.database_url) as url:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            yield url, pool
        finally:
            await pool.close()


class Metrics:
    """The figures of one worker's ``/metrics`` the test looks at."""

    def __init__(self, processed: float, lag_partitions: set[int]) -> None:
        self.processed = processed
        self.lag_partitions = lag_partitions  # partitions this worker has handled records of


async def metrics_of(worker: WorkerProcess) -> Metrics:
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"http://127.0.0.1:{worker.port}/metrics")).text
    processed, partitions = 0.0, set()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "sosialpuls_events_processed_total":
                processed = sample.value
            elif sample.name == "sosialpuls_consumer_lag":
                partitions.add(int(sample.labels["partition"]))
    return Metrics(processed, partitions)


async def wait_assigned(*workers: WorkerProcess, timeout: float = 120) -> None:
    """Until every worker answers ready (PostgreSQL reachable and partitions assigned)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        pending = list(workers)
        while pending:
            worker = pending[0]
            if worker.process.poll() is not None:
                raise AssertionError(f"worker died: {worker.log.read_text()[-3000:]}")
            try:
                response = await client.get(f"http://127.0.0.1:{worker.port}/internal/isReady")
                if response.status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            if loop.time() > deadline:
                raise AssertionError(f"worker not assigned: {worker.log.read_text()[-3000:]}")
            await asyncio.sleep(0.3)


async def assert_equals_truth(pool: asyncpg.Pool, sim: SimulatedYear) -> None:
    assert await stored_facts(pool) == truth_facts(sim.truth)
    assert await stored_rollups(pool) == truth_rollups(sim.truth)
    assert await pool.fetch(GROUP_BY_CHECK) == []


def start_pair(
    brokers: str, database_url: str, topics: TopicSet, group: str, **env: str
) -> tuple[WorkerProcess, WorkerProcess]:
    first = start_worker(brokers, database_url, topics, group, **env)
    return first, start_worker(brokers, database_url, topics, group, **env)


async def test_two_workers_split_the_partitions_and_equal_one_worker_and_truth(
    sim: SimulatedYear,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
    other_database: tuple[str, asyncpg.Pool],
) -> None:
    group = f"agg-pair-{uuid.uuid4().hex[:8]}"
    a, b = start_pair(kafka_brokers, pg_database_url, topics, group)
    try:
        await wait_assigned(a, b)  # both in the group before the first report arrives
        ends = await produce(kafka_brokers, topics.reports, sim.lines)
        await wait_caught_up(kafka_brokers, group, topics.reports, ends, a)
        ma, mb = await metrics_of(a), await metrics_of(b)
    finally:
        a.stop()
        b.stop()
    assert ma.processed > 0 and mb.processed > 0, "both workers must have had partitions"
    assert ma.processed + mb.processed >= len(sim.lines)
    assert ma.lag_partitions | mb.lag_partitions == set(ends)
    await assert_equals_truth(pg_pool, sim)
    # both workers wrote nation and county rollups: the topic still ends on the latest
    assert await assert_scorecards_equal_rollups(pg_pool, kafka_brokers, topics.scorecards)

    # one worker, same topic, its own group and database
    single_group = f"agg-single-{uuid.uuid4().hex[:8]}"
    single_url, db = other_database
    single = start_worker(kafka_brokers, single_url, topics, single_group)
    try:
        await wait_caught_up(kafka_brokers, single_group, topics.reports, ends, single)
    finally:
        single.stop()
    assert await pg_pool.fetch(FACT_ROWS) == await db.fetch(FACT_ROWS)
    assert await pg_pool.fetch(ROLLUP_ROWS) == await db.fetch(ROLLUP_ROWS)
    rejected = "SELECT origin_partition, origin_offset, reason FROM rejected_reports ORDER BY 1, 2"
    assert await pg_pool.fetch(rejected) == await db.fetch(rejected)


async def test_a_stopped_worker_s_partitions_are_taken_over(
    sim: SimulatedYear,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
) -> None:
    group = f"agg-takeover-{uuid.uuid4().hex[:8]}"
    # small batches: the stopped worker is sure to leave work behind on its partitions
    a, b = start_pair(
        kafka_brokers, pg_database_url, topics, group, SOSIALPULS_AGGREGATOR_BATCH_SIZE="100"
    )
    try:
        await wait_assigned(a, b)
        ends = await produce(kafka_brokers, topics.reports, sim.lines)
        for _ in range(600):
            if (await metrics_of(b)).lag_partitions:
                break
            await asyncio.sleep(0.1)
        before_a, before_b = await metrics_of(a), await metrics_of(b)
        b.stop()  # SIGTERM: leaves the group, the group rebalances onto the other worker
        assert b.process.returncode is not None
        left = await committed(
            kafka_brokers, group, topics.reports, sorted(before_b.lag_partitions)
        )
        unfinished = {p for p, offset in left.items() if offset < ends[p]}
        assert unfinished, "the stopped worker finished before it was stopped"
        assert not unfinished & before_a.lag_partitions  # they were the stopped worker's
        await wait_caught_up(kafka_brokers, group, topics.reports, ends, a)
        after_a = await metrics_of(a)
    finally:
        a.stop()
        b.stop()
    assert unfinished <= after_a.lag_partitions, "the remaining worker took the partitions over"
    await assert_equals_truth(pg_pool, sim)
