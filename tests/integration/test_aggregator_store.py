"""The PostgreSQL side of the aggregator (no broker): ``handle_batch`` on ``PostgresStore``
against the in-memory model, the read views, and the worker's health and metrics pages."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import asyncpg
import httpx
import pytest
from aggregator_support import start_worker, stored_rollups
from support.aggregator_oracle import RollupBook

from contracts.registry import Registry
from contracts.reports import parse_report
from deploy.local.topics import TopicSet
from services.aggregator.adapters.metrics import NullMetrics
from services.aggregator.adapters.postgres import PostgresStore
from services.aggregator.adapters.write_model import INDICATOR_COLUMNS, BatchCall, RollupRow
from services.aggregator.domain import structure
from services.aggregator.handlers import Aggregator, DeadLetter, InboundRecord, handle_batch

TODAY = date(2026, 1, 15)


@cache
def registry() -> Registry:
    return Registry.load()


class NullPublisher:
    def __init__(self) -> None:
        self.updates: list[RollupRow] = []

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        pass

    async def scorecard_updates(self, rollups: Sequence[RollupRow]) -> None:
        self.updates.extend(rollups)


def body(unit: str, period: str, revision: int, recipients: int, kroner: int) -> str:
    unit_type, code = unit.split(":")
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "schema_version": 1,
            "unit": {"type": unit_type, "code": code},
            "period": period,
            "revision": revision,
            "source": "test",
            "reported_at": "2025-04-03T08:15:00Z",
            "indicators": {
                "recipients": recipients,
                "recipients_with_children": 0,
                "recipients_main_livelihood": 0,
                "recipients_under_30": 0,
                "kroner_paid": kroner,
                "qp_participants": 0,
            },
        }
    )


SCENARIO = [
    ("district:030101", "2025-03", 1, 10, 100),
    ("municipality:3101", "2025-03", 1, 7, 70),
    ("municipality:3101", "2025-03", 2, 8, 80),
    ("municipality:3124", "2025-03", 1, 5, 50),  # completes NAV office 0101
    ("district:030102", "2025-03", 1, 4, 40),
    ("municipality:0301", "2025-03", 1, 100, 1000),  # Oslo as a whole: districts stop counting
    ("municipality:3101", "2025-03", 1, 7, 70),  # a late lower revision changes nothing
    ("nav_office:0101", "2025-04", 1, 30, 300),
    ("municipality:3101", "2025-04", 1, 9, 90),
    ("municipality:3101", "2024-03", 1, 6, 60),
    ("municipality:3101", "2025-01", 1, 3, 30),
]


async def test_stored_rollups_follow_the_model_batch_by_batch(pg_pool: asyncpg.Pool) -> None:
    publisher = NullPublisher()
    agg = Aggregator(registry(), PostgresStore(pg_pool), publisher, NullMetrics(), today=TODAY)
    book = RollupBook(registry())
    for offset, (unit, period, revision, recipients, kroner) in enumerate(SCENARIO):
        raw = body(unit, period, revision, recipients, kroner)
        await handle_batch(agg, [InboundRecord("t", 0, offset, None, raw.encode())])
        book.receive(parse_report(raw, today=TODAY))
        expected = {
            (lv, c, date(int(p[:4]), int(p[5:]), 1)): dict(
                zip(INDICATOR_COLUMNS, f.values, strict=True)
            )
            for (lv, c, p), f in book.rollups().items()
        }
        stored = {
            (lv, c, date(int(p[:4]), int(p[5:]), 1)): v
            for (lv, c, p), v in (await stored_rollups(pg_pool)).items()
        }
        assert stored == expected, (unit, period, revision)
    county = await one(
        pg_pool,
        "SELECT recipients, members_reported, members_expected FROM rollup_month"
        " WHERE level = 'county' AND code = '03' AND period = '2025-03-01'",
    )
    assert tuple(county) == (100, 1, 1)
    office = await one(
        pg_pool,
        "SELECT recipients, members_reported, members_expected FROM rollup_month"
        " WHERE level = 'nav_office' AND code = '0101' AND period = '2025-03-01'",
    )
    assert tuple(office) == (13, 2, 2)
    assert {(u.level, u.code) for u in publisher.updates} >= {
        ("nation", "0"),
        ("nav_office", "0101"),
    }
    rollups = await pg_pool.fetch("SELECT * FROM rollup_month")
    assert last_sent(publisher.updates) == {
        (r["level"], r["code"], r["period"]): tuple(r[c] for c in INDICATOR_COLUMNS)
        for r in rollups
    }


class BrokerDownOnce(NullPublisher):
    """Refuses the first scorecard send, as a broker that went away would."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    async def scorecard_updates(self, rollups: Sequence[RollupRow]) -> None:
        if not self.refused:
            self.refused = len(rollups)
            raise ConnectionError("broker unavailable")
        await super().scorecard_updates(rollups)


def last_sent(updates: Sequence[RollupRow]) -> dict[tuple[str, str, date], Any]:
    """What a reader of the compacted topic ends with: per key the last value sent."""
    last: dict[tuple[str, str, date], Any] = {}
    for u in updates:
        last[(u.level, u.code, u.period)] = u.values
    return {k: v for k, v in last.items() if v is not None}


async def test_a_send_lost_after_the_commit_is_made_good_from_the_outbox(
    pg_pool: asyncpg.Pool,
) -> None:
    """The batch commits, then the scorecard send fails (or the worker dies there). The
    restarted worker flushes the outbox at start (as ``WorkerState.open`` does); the replay
    of the batch changes nothing in PostgreSQL, every changed rollup reaches the topic with
    the figures PostgreSQL holds, and the outbox is empty afterwards."""
    raws = [body(*row) for row in SCENARIO]
    batch = [InboundRecord("t", 0, i, None, r.encode()) for i, r in enumerate(raws)]
    publisher = BrokerDownOnce()
    agg = Aggregator(registry(), PostgresStore(pg_pool), publisher, NullMetrics(), today=TODAY)
    with pytest.raises(ConnectionError):
        await handle_batch(agg, batch)
    assert publisher.refused > 0 and publisher.updates == []
    waiting = await pg_pool.fetchval("SELECT count(*) FROM scorecard_outbox")
    assert waiting == publisher.refused
    before = await pg_pool.fetch("SELECT * FROM rollup_month ORDER BY level, code, period")

    store = PostgresStore(pg_pool)
    restarted = Aggregator(registry(), store, publisher, NullMetrics(), today=TODAY)
    await restarted.start()
    await store.flush_scorecards(publisher.scorecard_updates)  # as the worker does at start
    result = await handle_batch(restarted, batch)  # the replay after the crash
    await store.settle(publisher.scorecard_updates)
    assert result.facts == [] and result.rollups == []  # nothing new was written
    assert await pg_pool.fetch("SELECT * FROM rollup_month ORDER BY level, code, period") == before
    stored = {
        (r["level"], r["code"], r["period"]): tuple(r[c] for c in INDICATOR_COLUMNS) for r in before
    }
    assert last_sent(publisher.updates) == stored
    assert await pg_pool.fetchval("SELECT count(*) FROM scorecard_outbox") == 0


async def test_views_year_to_date_rolling_change_and_coverage(pg_pool: asyncpg.Pool) -> None:
    agg = Aggregator(
        registry(), PostgresStore(pg_pool), NullPublisher(), NullMetrics(), today=TODAY
    )
    raws = [body(*row) for row in SCENARIO]
    await handle_batch(
        agg, [InboundRecord("t", 0, i, None, r.encode()) for i, r in enumerate(raws)]
    )
    where = "WHERE level = 'municipality' AND code = '3101' AND period = $1"
    ytd = await one(pg_pool, f"SELECT * FROM rollup_year_to_date {where}", date(2025, 4, 1))
    assert ytd["kroner_paid_ytd"] == 30 + 80 + 90
    assert ytd["recipient_months_ytd"] == 3 + 8 + 9
    assert ytd["months_reported_ytd"] == 3
    assert float(ytd["avg_monthly_recipients_ytd"]) == (3 + 8 + 9) / 3
    rolling = await one(pg_pool, f"SELECT * FROM rollup_rolling_12m {where}", date(2025, 3, 1))
    assert rolling["recipient_months_12m"] == 8 + 3  # 2024-03 is 12 months back: outside
    change = await one(pg_pool, f"SELECT * FROM rollup_change {where}", date(2025, 4, 1))
    assert change["recipients_vs_prev_month"] == 9 - 8
    assert change["recipients_vs_prev_year"] is None
    change = await one(pg_pool, f"SELECT * FROM rollup_change {where}", date(2025, 3, 1))
    assert change["recipients_vs_prev_year"] == 8 - 6
    coverage = await one(
        pg_pool, "SELECT * FROM coverage WHERE level = 'municipality' AND period = '2025-03-01'"
    )
    assert coverage["units_expected"] == len(registry().expected_units("2025-03", "municipality"))
    assert coverage["units_reported"] == 3  # 0301, 3101, 3124
    nation = await one(
        pg_pool, "SELECT * FROM coverage WHERE level = 'nation' AND period = '2025-03-01'"
    )
    assert (nation["units_reported"], nation["units_expected"]) == (1, 1)


async def test_worker_health_readiness_and_metrics(
    kafka_brokers: str, topics: TopicSet, pg_database_url: str
) -> None:
    unreachable = "postgresql://nobody:x@127.0.0.1:9/none"
    worker = start_worker(kafka_brokers, unreachable, topics, f"agg-{uuid.uuid4().hex[:8]}")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{worker.port}", timeout=2) as c:
            answer = await _get_when_up(c, "/internal/isReady")
            assert answer.status_code == 503
            assert (await c.get("/internal/isAlive")).status_code == 200
    finally:
        worker.stop()
    worker = start_worker(kafka_brokers, pg_database_url, topics, f"agg-{uuid.uuid4().hex[:8]}")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{worker.port}", timeout=2) as c:
            await _get_when_up(c, "/internal/isReady", status=200)
            metrics = (await c.get("/metrics")).text
        for name in (
            "sosialpuls_events_processed_total",
            "sosialpuls_events_deduplicated_total",
            "sosialpuls_end_to_end_latency_seconds_bucket",
            "sosialpuls_postgres_write_seconds_bucket",
        ):
            assert name in metrics
    finally:
        worker.stop()


async def one(pool: asyncpg.Pool, sql: str, *args: object) -> asyncpg.Record:
    """The single row ``sql`` returns (fails if none)."""
    row = await pool.fetchrow(sql, *args)
    assert row is not None, sql
    return row


async def _get_when_up(client: httpx.AsyncClient, path: str, status: int | None = None) -> Any:
    for _ in range(600):
        try:
            answer = await client.get(path)
            if status is None or answer.status_code == status:
                return answer
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{path} never answered {status or 'at all'}")


async def test_a_new_structure_moves_stored_facts_to_their_new_rollups(
    pg_pool: asyncpg.Pool,
) -> None:
    """A registry change (a new digest for a period) remaps the units whose memberships
    differ: their contributions leave the old rollups and join the new ones."""
    store = PostgresStore(pg_pool)
    agg = Aggregator(registry(), store, NullPublisher(), NullMetrics(), today=TODAY)
    raws = [
        body("municipality:3101", "2025-03", 1, 7, 70),
        body("municipality:0301", "2025-03", 1, 100, 1000),
    ]
    await handle_batch(
        agg, [InboundRecord("t", 0, i, None, r.encode()) for i, r in enumerate(raws)]
    )
    county_of_3101 = registry().county_of("3101", "2025-03")
    _, units, members, rows = structure(registry(), "2025-03")
    moved = [
        [t, c, lv, "03" if (t, c, lv) == ("municipality", "3101", "county") else code, m]
        for t, c, lv, code, m in rows
    ]
    members = [[lv, "03" if (lv, m) == ("county", "3101") else code, m] for lv, code, m in members]
    call = BatchCall(structures={"2025-03": ("moved", units, members, moved)})
    await store.apply(call, datetime.now(UTC))
    county = await pg_pool.fetchrow(
        "SELECT recipients, members_reported, members_expected FROM rollup_month"
        " WHERE level = 'county' AND code = '03' AND period = '2025-03-01'"
    )
    assert county is not None and tuple(county) == (107, 2, 2)
    old = await pg_pool.fetchrow(
        "SELECT recipients FROM rollup_month WHERE level = 'county' AND code = $1"
        " AND period = '2025-03-01'",
        county_of_3101,
    )
    assert old is None
    membership = await pg_pool.fetchval(
        "SELECT code FROM unit_rollup_membership WHERE unit_type = 'municipality'"
        " AND unit_code = '3101' AND period = '2025-03-01' AND level = 'county'"
    )
    assert membership == "03"


async def test_the_outbox_holds_only_what_is_not_yet_confirmed(pg_pool: asyncpg.Pool) -> None:
    """Batch after batch revising the same unit: each batch's call releases what the one
    before sent (its keys changed again and ride on the new rows), so the outbox never
    holds more than the last batch's rollups, and a settle empties it."""
    publisher = NullPublisher()
    store = PostgresStore(pg_pool)
    agg = Aggregator(registry(), store, publisher, NullMetrics(), today=TODAY)
    for revision in range(1, 5):
        raw = body("municipality:3101", "2025-03", revision, 10 + revision, 100)
        result = await handle_batch(agg, [InboundRecord("t", 0, revision, None, raw.encode())])
        waiting = await pg_pool.fetchval("SELECT count(*) FROM scorecard_outbox")
        assert waiting == len(result.rollups) > 0
    await store.settle(publisher.scorecard_updates)
    assert await pg_pool.fetchval("SELECT count(*) FROM scorecard_outbox") == 0
    assert last_sent(publisher.updates) == {
        (r["level"], r["code"], r["period"]): tuple(r[c] for c in INDICATOR_COLUMNS)
        for r in await pg_pool.fetch("SELECT * FROM rollup_month")
    }
