"""One contract, two stores: the same batches through ``handle_batch`` on the in-memory
``FakeStore`` (the handler's unit tests) and on ``PostgresStore`` must give the same facts,
dead letters, counts and scorecards. If they part, the fake lies to the unit tests."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from support.aggregator_fakes import FakeStore
from test_aggregator_handlers import (
    TODAY,
    FakeMetrics,
    FakePublisher,
    records,
    registry,
    report,
)

from services.aggregator.adapters.postgres import PostgresStore
from services.aggregator.handlers import Aggregator, DeadLetter, Store, handle_batch


def district(code: str, revision: int = 1, recipients: int = 5) -> dict[str, Any]:
    return {
        **report(revision=revision, recipients=recipients),
        "unit": {"type": "district", "code": code},
    }


def office(code: str, revision: int = 1, recipients: int = 5) -> dict[str, Any]:
    return {
        **report(revision=revision, recipients=recipients),
        "unit": {"type": "nav_office", "code": code},
    }


CASES: dict[str, list[list[Any]]] = {
    "revisions and duplicates": [
        [report(revision=2, recipients=20), report(revision=1), report(revision=2, recipients=20)],
        [report(revision=3, recipients=30), report(revision=1)],
    ],
    "conflict": [[report(recipients=10)], [report(recipients=11)]],
    "rejects": [["{not json", report(code="3001"), report(period="2030-01"), report(revision=4)]],
    "districts then the municipality": [
        [district("030101", recipients=7), district("030102", recipients=9)],
        [report(code="0301", recipients=100)],
        [district("030101", revision=2, recipients=1)],
    ],
    "a NAV office waits for its areas": [
        [report(code="3101", recipients=8)],
        [report(code="3124", recipients=5)],
        [office("0101", recipients=30)],
    ],
}


class FailingOnce(FakePublisher):
    """Refuses the first dead letters, as a broker that went away would."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = False

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        if letters and not self.refused:
            self.refused = True
            raise ConnectionError("broker unavailable")
        await super().dead_letter(letters)


async def outcome(store: Store, batches: list[list[Any]], publisher: FakePublisher) -> Any:
    metrics = FakeMetrics()
    agg = Aggregator(registry(), store, publisher, metrics, today=TODAY)
    await agg.start()
    seen = []
    offset = 0
    for bodies in batches:
        batch = records(*bodies, start=offset)
        offset += len(bodies)
        for _ in range(2):
            try:
                result = await handle_batch(agg, batch)
                break
            except ConnectionError:
                continue  # the worker retries the batch
        seen.append(sorted((f.unit.key, f.period, f.revision) for f in result.facts))
    letters = [(lt.reason, lt.origin, lt.message, lt.payload is None) for lt in publisher.letters]
    last = {}
    for row in publisher.updates:
        last[row.key] = (row.values, row.members_reported, row.members_expected)
    return seen, letters, dict(metrics.counts), {k: v for k, v in last.items() if v[0]}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_fake_and_postgres_stores_agree(case: str, pg_pool: asyncpg.Pool) -> None:
    fake = await outcome(FakeStore(registry()), CASES[case], FakePublisher())
    real = await outcome(PostgresStore(pg_pool), CASES[case], FakePublisher())
    assert fake == real


async def test_a_dead_letter_lost_before_its_ack_is_sent_on_the_retry(
    pg_pool: asyncpg.Pool,
) -> None:
    batches = [[report(recipients=10)], [report(recipients=11), "{not json"]]
    fake = await outcome(FakeStore(registry()), batches, FailingOnce())
    real = await outcome(PostgresStore(pg_pool), batches, FailingOnce())
    assert fake == real
    assert [letter[0] for letter in real[1]] == ["conflicting_revision", "malformed_json"]
