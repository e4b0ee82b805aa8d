"""The aggregator killed and stalled during a backlog, against the real broker and PostgreSQL:
nothing lost, nothing counted twice. Final facts and rollups equal the simulator's truth (an
independent recomputation), and the rollups equal a plain SQL GROUP BY over the facts."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import uuid
from pathlib import Path

import asyncpg
import pytest
from integration.aggregator_support import (
    GROUP_BY_CHECK,
    WorkerProcess,
    assert_scorecards_equal_rollups,
    committed,
    produce,
    run_until_caught_up,
    start_worker,
    stored_facts,
    stored_rollups,
    wait_caught_up,
)
from support.faults import Backlog, backlog, wait_for_facts

from deploy.local.topics import TopicSet

SEED = int(os.environ.get("SOSIALPULS_FAULT_SEED", "20261122"))


@pytest.fixture(scope="module")
def one_year(tmp_path_factory: pytest.TempPathFactory) -> Backlog:
    return backlog(tmp_path_factory.mktemp("sim"), [2025])


async def wait_committed(
    brokers: str, group: str, topic: str, ends: dict[int, int], fraction: float, after: int
) -> int:
    """Until the group committed ``fraction`` of the backlog and more than ``after`` (so each
    worker made progress before it is killed); returns the committed count."""
    target = max(fraction * sum(ends.values()), after + 1)
    for _ in range(36000):
        done = sum((await committed(brokers, group, topic, list(ends))).values())
        if done >= target:
            return done
        await asyncio.sleep(0.1)
    raise AssertionError(f"committed {done} < {target}")


async def assert_equals_truth(pool: asyncpg.Pool, expected: Backlog) -> None:
    assert await stored_facts(pool) == expected.facts
    assert await stored_rollups(pool) == expected.rollups
    assert await pool.fetch(GROUP_BY_CHECK) == []
    rejected = await pool.fetchval("SELECT count(*) FROM rejected_reports")
    assert rejected == expected.bad_lines


async def kill_at_random_points(
    expected: Backlog,
    brokers: str,
    topics: TopicSet,
    database_url: str,
    pool: asyncpg.Pool,
    kills: int = 3,
) -> list[int]:
    """Produce the backlog, SIGKILL the worker ``kills`` times at random progress (committed
    reports), restart, let it finish. Returns the committed counts seen at each kill."""
    ends = await produce(brokers, topics.reports, expected.lines)
    rng = random.Random(SEED)
    fractions = sorted(rng.uniform(0.05, 0.9) for _ in range(kills))
    group = f"kill-{uuid.uuid4().hex[:8]}"
    seen: list[int] = []
    for fraction in fractions:
        worker = start_worker(
            brokers, database_url, topics, group, SOSIALPULS_AGGREGATOR_BATCH_SIZE="50"
        )
        try:
            last = seen[-1] if seen else 0
            seen.append(await wait_committed(brokers, group, topics.reports, ends, fraction, last))
            await asyncio.sleep(rng.uniform(0, 0.3))  # not just after a commit
        finally:
            worker.kill()
    await run_until_caught_up(brokers, database_url, topics, group, ends, timeout=1800)
    return seen


async def test_sigkill_three_times_during_a_backlog_equals_truth(
    one_year: Backlog,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
) -> None:
    seen = await kill_at_random_points(one_year, kafka_brokers, topics, pg_database_url, pg_pool)
    print(f"{len(one_year.lines)} reports; committed at the kills: {seen}")
    assert seen[0] < seen[1] < seen[2] and seen[0] < len(one_year.lines)
    await assert_equals_truth(pg_pool, one_year)
    assert await assert_scorecards_equal_rollups(pg_pool, kafka_brokers, topics.scorecards)


@pytest.mark.soak
@pytest.mark.timeout(3600)
async def test_soak_sigkill_three_times_during_a_200k_backlog_equals_truth(
    tmp_path: Path,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
) -> None:
    """Two simulated years (the SSB layouts cover 2024–2026), each delivered 18 times:
    ~200,000 reports."""
    big = backlog(tmp_path, [2024, 2025], copies=18)
    assert len(big.lines) >= 190_000
    seen = await kill_at_random_points(big, kafka_brokers, topics, pg_database_url, pg_pool)
    print(f"{len(big.lines)} reports; committed at the kills: {seen}")
    await assert_equals_truth(pg_pool, big)


async def assigned(worker: WorkerProcess) -> bool:
    """The worker's readiness page says it holds partitions."""
    import httpx

    try:
        async with httpx.AsyncClient(timeout=2) as http:
            answer = await http.get(f"http://127.0.0.1:{worker.port}/internal/isReady")
        return bool(answer.json().get("assigned"))
    except (httpx.HTTPError, ValueError):
        return False


async def test_a_stalled_worker_whose_partitions_moved_does_not_double_count(
    one_year: Backlog,
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
) -> None:
    """Worker A is stopped (SIGSTOP) mid-backlog past the session timeout; B takes over its
    partitions and finishes; A is resumed (SIGCONT) with its stale batch in hand."""
    ends = await produce(kafka_brokers, topics.reports, one_year.lines)
    group = f"stall-{uuid.uuid4().hex[:8]}"
    env = {"SOSIALPULS_AGGREGATOR_BATCH_SIZE": "50"}
    stalled = start_worker(kafka_brokers, pg_database_url, topics, group, **env)
    second: WorkerProcess | None = None
    try:
        await wait_for_facts(pg_pool, len(one_year.facts) // 10)
        second = start_worker(kafka_brokers, pg_database_url, topics, group, **env)
        for _ in range(600):
            if await assigned(second):
                break
            await asyncio.sleep(0.2)
        stalled.process.send_signal(signal.SIGSTOP)
        await wait_caught_up(kafka_brokers, group, topics.reports, ends, second, timeout=600)
        stalled.process.send_signal(signal.SIGCONT)
        await asyncio.sleep(8)  # let A finish its stale batch and notice the rebalance
        await wait_caught_up(kafka_brokers, group, topics.reports, ends, second, timeout=120)
    finally:
        stalled.process.send_signal(signal.SIGCONT)
        stalled.stop()
        if second is not None:
            second.stop()
    await assert_equals_truth(pg_pool, one_year)
    # A's stale scorecard sends landed after B's newer ones: the topic still ends current
    assert await assert_scorecards_equal_rollups(pg_pool, kafka_brokers, topics.scorecards)
