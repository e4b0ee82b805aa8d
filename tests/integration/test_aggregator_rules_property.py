"""The rules in SQL against the Python oracle: random interleavings of reports, duplicates,
revisions and conflicts, cut into random batches, through ``handle_batch`` on PostgreSQL.

``aggregator_apply_batch`` keeps rollups by difference (old contribution out, new one in);
the oracle (tests/support/aggregator_oracle.py) recomputes every rollup from its members. After
every stream the facts, every rollup with its member counts, and the rollup state against
a plain GROUP BY over the effective contributions (view ``rollup_contributions``) must
agree, and a replay of the whole stream must change nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path

import asyncpg
from aggregator_support import stored_facts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from support.aggregator_oracle import RollupBook
from test_aggregator_model import TODAY, deliveries, registry

from contracts.reports import IndicatorReportV1
from services.aggregator.adapters.metrics import NullMetrics
from services.aggregator.adapters.postgres import PostgresStore
from services.aggregator.handlers import Aggregator, InboundRecord, handle_batch

STATE = (
    "unit_month_facts, report_revisions, unit_rollup_membership, rollup_month, rollup_state,"
    " rejected_reports, scorecard_outbox"
)
RECOMPUTED = """
SELECT level, code, period, count(DISTINCT member_code) AS members,
       coalesce(sum(recipients), 0) AS s1, count(recipients) AS n1,
       coalesce(sum(kroner_paid), 0) AS s5, count(kroner_paid) AS n5
FROM rollup_contributions GROUP BY level, code, period
EXCEPT
SELECT level, code, period, members, s1, n1, s5, n5 FROM rollup_state
WHERE members <> 0 OR n1 <> 0 OR n5 <> 0"""


class Dropping:
    async def dead_letter(self, letters: object) -> None: ...
    async def scorecard_updates(self, rollups: object) -> None: ...


async def run(url: str, stream: list[IndicatorReportV1], cuts: list[int]) -> None:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        await pool.execute(f"TRUNCATE {STATE}")
        agg = Aggregator(registry(), PostgresStore(pool), Dropping(), NullMetrics(), today=TODAY)
        await agg.start()
        records = [
            InboundRecord("t", 0, i, None, r.model_dump_json().encode())
            for i, r in enumerate(stream)
        ]
        bounds = sorted({0, len(records), *(c % (len(records) + 1) for c in cuts)})
        book = RollupBook(registry())
        for start, end in itertools.pairwise(bounds):
            await handle_batch(agg, records[start:end])
        for report in stream:
            book.receive(report)

        facts = await stored_facts(pool)
        assert {k: tuple(v.values()) for k, v in facts.items()} == book.facts
        rows = await pool.fetch(
            """SELECT level, code, to_char(period, 'YYYY-MM') AS period, recipients,
                      recipients_with_children, recipients_main_livelihood, recipients_under_30,
                      kroner_paid, qp_participants, members_reported, members_expected
               FROM rollup_month"""
        )
        stored = {(r[0], r[1], r[2]): (tuple(r[3:9]), r[9], r[10]) for r in rows}
        expected = {
            k: (f.values, f.members_reported, f.members_expected) for k, f in book.rollups().items()
        }
        assert stored == expected
        assert await pool.fetch(RECOMPUTED) == []

        again = await handle_batch(
            agg, [InboundRecord("t", 1, i, r.key, r.value) for i, r in enumerate(records)]
        )
        assert again.facts == [] and again.rollups == []
    finally:
        await pool.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(deliveries(), st.lists(st.integers(0, 60), max_size=4))
def test_sql_rollups_equal_the_oracle_whatever_the_order_and_batches(
    pg_database_url: str, stream: list[IndicatorReportV1], cuts: list[int]
) -> None:
    asyncio.run(run(pg_database_url, stream, cuts))
