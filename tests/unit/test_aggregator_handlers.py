"""``handle_batch`` with hand-written fakes of the store, publisher and metrics."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from support import reports
from support.aggregator_fakes import FakeStore
from support.reports import SMALL

from contracts.registry import Registry
from contracts.rules import SUBGROUPS
from services.aggregator.adapters.write_model import RollupRow
from services.aggregator.handlers import (
    Aggregator,
    DeadLetter,
    InboundRecord,
    handle_batch,
)
from services.simulator.fnr import synthetic_fodselsnummer

TODAY = date(2025, 6, 15)


@cache
def registry() -> Registry:
    return Registry.load()


class FakePublisher:
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []
        self.updates: list[RollupRow] = []

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        self.letters.extend(letters)

    async def scorecard_updates(self, rollups: Sequence[RollupRow]) -> None:
        self.updates.extend(rollups)


class FakeMetrics:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def processed(self, n: int) -> None:
        self.counts["processed"] += n

    def rejected(self, reason: str) -> None:
        self.counts[f"rejected:{reason}"] += 1

    def deduplicated(self, n: int) -> None:
        self.counts["deduplicated"] += n

    def superseded(self, n: int) -> None:
        self.counts["superseded"] += n

    def persisted(self, latency_seconds: float) -> None:
        self.counts["persisted"] += 1

    def postgres_write(self, seconds: float) -> None:
        self.counts["writes"] += 1


def report(
    code: str = "0301",
    period: str = "2025-03",
    revision: int = 1,
    recipients: int = 10,
    **extra: Any,
) -> dict[str, Any]:
    figures = {**SMALL, "recipients": recipients, "kroner_paid": 1000, "qp_participants": 0}
    figures |= dict.fromkeys(SUBGROUPS, 1)
    fields = {"source": "test", "indicators": figures, **extra}
    return reports.report(code, period=period, revision=revision, **fields)


def records(*bodies: dict[str, Any] | str, start: int = 0) -> list[InboundRecord]:
    return [
        InboundRecord(
            "reports",
            0,
            start + i,
            b"k",
            (b if isinstance(b, str) else json.dumps(b)).encode(),
        )
        for i, b in enumerate(bodies)
    ]


def aggregator(
    store: FakeStore | None = None,
) -> tuple[Aggregator, FakeStore, FakePublisher, FakeMetrics]:
    store = store or FakeStore(registry())
    publisher, metrics = FakePublisher(), FakeMetrics()
    agg = Aggregator(registry(), store, publisher, metrics, today=TODAY, sealed=store.sealed)
    return agg, store, publisher, metrics


async def test_the_highest_revision_wins_and_duplicates_are_counted() -> None:
    agg, _, _, metrics = aggregator()
    first, second = report(revision=1), report(revision=2, recipients=20)
    result = await handle_batch(agg, records(second, first, second))
    assert [(f.revision, f.indicators.recipients) for f in result.facts] == [(2, 20)]
    assert metrics.counts["deduplicated"] == 1
    assert metrics.counts["superseded"] == 1
    assert metrics.counts["processed"] == 3


async def test_equal_revision_with_other_content_is_dead_lettered_as_a_conflict() -> None:
    agg, _, publisher, metrics = aggregator()
    await handle_batch(agg, records(report(recipients=10)))
    result = await handle_batch(agg, records(report(recipients=11), start=1))
    assert result.facts == []
    assert [(lt.reason, lt.origin) for lt in publisher.letters] == [
        ("conflicting_revision", ("reports", 0, 1))
    ]
    assert metrics.counts["rejected:conflicting_revision"] == 1


async def test_rejects_keep_the_batch_flowing_with_reasons() -> None:
    agg, store, publisher, _ = aggregator()
    bad = records(
        "{not json",
        report(code="3001"),  # retired in 2025
        report(code="9999"),
        report(period="2030-01"),
        report(note="ok"),  # unknown field
        report(revision=3),
    )
    result = await handle_batch(agg, bad)
    assert [lt.reason for lt in publisher.letters] == [
        "malformed_json",
        "retired_unit",
        "unknown_unit",
        "future_period",
        "schema_violation",
    ]
    assert len(result.facts) == 1
    assert len(store.calls[0].rejections) == 5


async def test_a_sealed_year_is_rejected() -> None:
    agg, _, publisher, _ = aggregator(FakeStore(registry(), sealed=frozenset({2024})))
    result = await handle_batch(agg, records(report(period="2024-05"), report(period="2025-01")))
    assert [lt.reason for lt in publisher.letters] == ["sealed_year"]
    assert "2024" in publisher.letters[0].message
    assert len(result.facts) == 1


async def test_personal_data_is_not_echoed_to_the_dlq() -> None:
    agg, _, publisher, _ = aggregator()
    fnr = synthetic_fodselsnummer(date(1990, 5, 17), True, random.Random(1), set())
    body = report(source=f"fnr {fnr}")
    await handle_batch(agg, records(body))
    [letter] = publisher.letters
    assert letter.reason == "personal_data"
    assert letter.payload is None and letter.key is None
    assert fnr not in letter.message


async def test_a_replayed_reject_is_not_dead_lettered_twice() -> None:
    agg, _, publisher, _ = aggregator()
    batch = records("{not json", report())
    await handle_batch(agg, batch)
    await handle_batch(agg, batch)
    assert len(publisher.letters) == 1
