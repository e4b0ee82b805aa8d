"""``FakeStore``: the handler's ``Store`` in memory, on the Python oracle of the rules.

It answers a batch call as ``aggregator_apply_batch`` does (revision gate, ledger with a sent
mark, changed rollups), so the handler's tests run without PostgreSQL; the store contract
test (tests/integration/test_aggregator_store_contract.py) runs the same cases against
both and keeps the two honest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from itertools import count

from contracts.periods import period_date
from services.aggregator.adapters.write_model import (
    BatchAnswer,
    BatchCall,
    Origin,
    RollupKey,
    RollupRow,
    Sent,
)
from services.aggregator.domain import RegistryView
from support.aggregator_oracle import Outcome, RollupBook, RollupFigure, conflict_message


class FakeStore:
    def __init__(self, registry: RegistryView, sealed: frozenset[int] = frozenset()) -> None:
        self.sealed = sealed
        self.book = RollupBook(registry)
        self.ledger: dict[Origin, bool] = {}  # origin -> dead-lettered
        self.calls: list[BatchCall] = []
        self.rollups: dict[RollupKey, RollupRow] = {}
        self._ids = count(1)

    async def sealed_years(self) -> frozenset[int]:
        return self.sealed

    async def reference_digests(self) -> dict[str, str]:
        return {}

    async def apply(self, call: BatchCall, received_at: datetime) -> BatchAnswer:
        self.calls.append(call)
        dedup = superseded = 0
        winners: dict[tuple[str, str, str], int] = {}
        conflicts: list[tuple[str, int, int, str | None, str, str]] = []
        for r in call.reports:
            key = (r.unit_type, r.unit_code, r.period)
            outcome = self.book.receive_values(key, r.revision, r.digest, r.values)
            if outcome is Outcome.ACCEPTED:
                winners[key] = r.idx
            elif outcome is Outcome.SUPERSEDED:
                superseded += 1
            elif outcome is Outcome.DEDUPLICATED:
                dedup += 1
            else:
                message = conflict_message(f"{r.unit_type}:{r.unit_code}", r.period, r.revision)
                conflicts.append((*r.origin, r.event_id, "conflicting_revision", message))
        letters = []
        for topic, partition, offset, event_id, reason, message in [*call.rejections, *conflicts]:
            origin = (topic, partition, offset)
            if not self.ledger.setdefault(origin, False):
                letters.append((topic, partition, offset, reason, message, event_id))
        return BatchAnswer(dedup, superseded, sorted(winners.values()), letters, self._diff(), [])

    def _diff(self) -> list[tuple[Sent, RollupRow]]:
        now = {_key(k): _row(k, f) for k, f in self.book.rollups().items()}
        changed = [row for k, row in now.items() if self.rollups.get(k) != row]
        changed += [RollupRow(*k, None) for k in self.rollups if k not in now]
        self.rollups = now
        return [(Sent(next(self._ids), row.key, None), row) for row in changed]

    async def mark_dead_lettered(self, origins: Sequence[Origin]) -> None:
        self.ledger.update((o, True) for o in origins)

    async def send_scorecards(
        self, answer: BatchAnswer, send: Callable[[Sequence[RollupRow]], Awaitable[None]]
    ) -> list[RollupRow]:
        rows = [row for _, row in answer.rollups]
        if rows:
            await send(rows)
        return rows

    async def flush_scorecards(
        self,
        send: Callable[[Sequence[RollupRow]], Awaitable[None]],
        older_than_seconds: float = 0.0,
    ) -> int:
        return 0  # every change is sent with its batch here


def _key(k: tuple[str, str, str]) -> RollupKey:
    return (k[0], k[1], period_date(k[2]))


def _row(k: tuple[str, str, str], f: RollupFigure) -> RollupRow:
    return RollupRow(
        k[0], k[1], period_date(k[2]), f.values, f.members_reported, f.members_expected
    )
