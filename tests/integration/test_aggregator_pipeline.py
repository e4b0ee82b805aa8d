"""The aggregator against the real broker and PostgreSQL: a simulated year with faults
straight onto the topic; facts and rollups must equal the simulator's truth."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import pytest
from aggregator_support import (
    GROUP_BY_CHECK,
    SimulatedYear,
    assert_scorecards_equal_rollups,
    dlq_records,
    produce,
    reverse_revisions,
    run_until_caught_up,
    simulated_year,
    start_worker,
    stored_facts,
    stored_rollups,
    truth_facts,
    truth_rollups,
)

from deploy.local.topics import TopicSet


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> SimulatedYear:
    return simulated_year(tmp_path_factory.mktemp("sim"))


async def assert_equals_truth(pool: asyncpg.Pool, sim: SimulatedYear) -> None:
    assert await stored_facts(pool) == truth_facts(sim.truth)
    assert await stored_rollups(pool) == truth_rollups(sim.truth)
    assert await pool.fetch(GROUP_BY_CHECK) == []


async def assert_dead_letters(
    pool: asyncpg.Pool, brokers: str, topics: TopicSet, crashed: bool = False
) -> Counter[str]:
    """Every rejected record is in the ledger exactly once and on the DLQ — exactly once
    unless the worker crashed between sending a dead letter and committing (at-least-once:
    DLQ readers deduplicate by the origin headers)."""
    ledger = await pool.fetch(
        "SELECT origin_topic, origin_partition, origin_offset, reason FROM rejected_reports"
    )
    dlq = await dlq_records(brokers, topics.dlq)
    origins = [
        (h["origin_topic"], int(h["origin_partition"]), int(h["origin_offset"])) for h in dlq
    ]
    if not crashed:
        assert len(origins) == len(set(origins))
    assert sorted(set(origins)) == sorted((r[0], r[1], r[2]) for r in ledger)
    assert all(h["reason"] and h["message"] for h in dlq)
    return Counter(r["reason"] for r in ledger)


def expected_reasons(sim: SimulatedYear, copies: int) -> Counter[str]:
    return Counter({k: v * copies for k, v in Counter(sim.bad_lines.values()).items()})


RUNTIMES = pytest.mark.parametrize("runtime", ["faust", "aiokafka"])


@RUNTIMES
async def test_a_simulated_year_equals_truth(
    runtime: str,
    sim: SimulatedYear,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
) -> None:
    ends = await produce(kafka_brokers, topics.reports, sim.lines)
    group = f"agg-{uuid.uuid4().hex[:8]}"
    await run_until_caught_up(
        kafka_brokers, pg_database_url, topics, group, ends, SOSIALPULS_AGGREGATOR_RUNTIME=runtime
    )
    await assert_equals_truth(pg_pool, sim)
    reasons = await assert_dead_letters(pg_pool, kafka_brokers, topics)
    assert reasons == expected_reasons(sim, 1)


async def test_twice_delivered_and_reversed_revisions_equal_truth(
    sim: SimulatedYear,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
) -> None:
    lines = reverse_revisions(sim)
    ends = await produce(kafka_brokers, topics.reports, [x for line in lines for x in (line, line)])
    group = f"agg-{uuid.uuid4().hex[:8]}"
    await run_until_caught_up(kafka_brokers, pg_database_url, topics, group, ends)
    await assert_equals_truth(pg_pool, sim)
    reasons = await assert_dead_letters(pg_pool, kafka_brokers, topics)
    assert reasons == expected_reasons(sim, 2)


@RUNTIMES
async def test_sigkill_and_stop_restarts_and_a_replay_from_zero_change_nothing(
    runtime: str,
    sim: SimulatedYear,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    ends = await produce(kafka_brokers, topics.reports, sim.lines)
    group = f"agg-{uuid.uuid4().hex[:8]}"
    persisted = 0
    for attempt in range(4):  # SIGKILL three times, then a graceful stop mid-run
        worker = start_worker(
            kafka_brokers,
            pg_database_url,
            topics,
            group,
            SOSIALPULS_AGGREGATOR_BATCH_SIZE="50",
            SOSIALPULS_AGGREGATOR_RUNTIME=runtime,
        )
        # stop it once it has persisted more, but (most likely) not everything
        for _ in range(600):
            if await pg_pool.fetchval("SELECT count(*) FROM report_revisions") > persisted:
                break
            await asyncio.sleep(0.1)
        persisted = await pg_pool.fetchval("SELECT count(*) FROM report_revisions")
        worker.kill() if attempt < 3 else worker.stop()
    await run_until_caught_up(
        kafka_brokers, pg_database_url, topics, group, ends, SOSIALPULS_AGGREGATOR_RUNTIME=runtime
    )
    await assert_equals_truth(pg_pool, sim)
    assert await assert_dead_letters(
        pg_pool, kafka_brokers, topics, crashed=True
    ) == expected_reasons(sim, 1)
    # a worker killed between its commit and its send left them in the outbox: sent later
    assert await assert_scorecards_equal_rollups(pg_pool, kafka_brokers, topics.scorecards)

    before = await pg_pool.fetch("SELECT * FROM rollup_month ORDER BY level, code, period")
    replay = f"agg-replay-{uuid.uuid4().hex[:8]}"  # a new group starts from offset 0
    await run_until_caught_up(
        kafka_brokers, pg_database_url, topics, replay, ends, SOSIALPULS_AGGREGATOR_RUNTIME=runtime
    )
    await assert_equals_truth(pg_pool, sim)
    after = await pg_pool.fetch("SELECT * FROM rollup_month ORDER BY level, code, period")
    assert after == before  # not even updated_at moved: nothing was rewritten
    assert await assert_dead_letters(
        pg_pool, kafka_brokers, topics, crashed=True
    ) == expected_reasons(sim, 1)
