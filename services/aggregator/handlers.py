"""``handle_batch``: one batch of consumed records → DLQ, PostgreSQL, scorecard updates.

Dependencies come in as small interfaces (``Store``, ``Publisher``, ``Metrics``) so the same
handler runs in the faust worker, a replay and the unit tests (with fakes).

Order per batch (at-least-once, idempotent at every step):
1. validate and apply the revision gate against what PostgreSQL already holds;
2. dead-letter rejects the ledger does not know yet (a replay does not dead-letter twice);
3. one PostgreSQL transaction: facts, revisions, memberships, ledger, rollup recompute,
   and the changed rollups' keys into the scorecard outbox;
4. flush the outbox: send each waiting rollup's current value, remove it once acked (also
   what an earlier batch or a crashed worker left); the caller commits the offsets after.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol
from uuid import UUID

from contracts.dead_letters import DeadLetter as DeadLetter
from contracts.reports import IndicatorReportV1, Reason
from services.aggregator.domain import (
    Outcome,
    RegistryView,
    Rejection,
    UnitState,
    apply,
    conflict_message,
    expected_structure,
    memberships,
    validate,
)
from services.aggregator.model import values_of
from services.storage.queries import (
    FactRow,
    Origin,
    RollupRow,
    UnitPeriodKey,
    period_date,
)


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """One consumed record with its origin."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(slots=True)
class BatchWrite:
    """Everything one batch writes to PostgreSQL in one transaction."""

    facts: list[FactRow] = field(default_factory=list)
    revisions: list[tuple[str, str, date, int, str, UUID]] = field(default_factory=list)
    memberships: list[tuple[str, str, date, str, str, str]] = field(default_factory=list)
    rejections: list[tuple[str, int, int, UUID | None, str, str]] = field(default_factory=list)
    structures: dict[date, tuple[list[tuple[str, str]], list[tuple[str, str, str]]]] = field(
        default_factory=dict
    )


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What PostgreSQL changed: facts actually written and rollups changed or removed."""

    facts: list[FactRow]
    rollups: list[RollupRow]


class Store(Protocol):
    """PostgreSQL as the handler sees it."""

    async def sealed_years(self) -> frozenset[int]: ...
    async def unit_states(
        self, keys: Sequence[UnitPeriodKey]
    ) -> dict[UnitPeriodKey, UnitState]: ...
    async def known_rejections(self, origins: Sequence[Origin]) -> set[Origin]: ...
    async def write(self, batch: BatchWrite) -> WriteResult: ...
    async def flush_scorecards(
        self, send: Callable[[Sequence[RollupRow]], Awaitable[None]]
    ) -> int: ...


class Publisher(Protocol):
    """The topics the handler writes."""

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None: ...
    async def scorecard_updates(self, rollups: Sequence[RollupRow]) -> None: ...


class Metrics(Protocol):
    """Counters and histograms the handler feeds."""

    def processed(self, n: int) -> None: ...
    def rejected(self, reason: str) -> None: ...
    def deduplicated(self, n: int) -> None: ...
    def superseded(self, n: int) -> None: ...
    def persisted(self, latency_seconds: float) -> None: ...
    def postgres_write(self, seconds: float) -> None: ...


@dataclass
class Aggregator:
    """The handler's dependencies and the periods whose structure is already loaded."""

    registry: RegistryView
    store: Store
    publisher: Publisher
    metrics: Metrics
    today: date | None = None
    loaded_periods: set[date] = field(default_factory=set)


@dataclass(slots=True)
class _Accepted:
    report: IndicatorReportV1
    received_at: datetime
    digest: str


async def handle_batch(agg: Aggregator, records: Sequence[InboundRecord]) -> WriteResult:
    """Validate, gate, persist and emit one batch; returns what PostgreSQL changed."""
    received_at = datetime.now(UTC)
    sealed = await agg.store.sealed_years()
    checked = [(r, validate(r.value, agg.registry, sealed, agg.today)) for r in records]
    keys = list({_key(v) for _, v in checked if isinstance(v, IndicatorReportV1)})
    states = await agg.store.unit_states(keys)
    batch = BatchWrite()
    winners: dict[UnitPeriodKey, _Accepted] = {}
    letters: list[DeadLetter] = []
    dedup = superseded = 0
    for record, verdict in checked:
        if isinstance(verdict, Rejection):
            letters.append(_letter(record, verdict))
            continue
        key = _key(verdict)
        digest = verdict.content_digest()
        outcome = apply(states.setdefault(key, UnitState()), verdict.revision, digest)
        if outcome is Outcome.CONFLICT:
            message = conflict_message(verdict.unit.key, verdict.period, verdict.revision)
            rejection = Rejection(str(Reason.CONFLICTING_REVISION), message, str(verdict.event_id))
            letters.append(_letter(record, rejection))
        elif outcome is Outcome.DEDUPLICATED:
            dedup += 1
        else:
            batch.revisions.append((*key, verdict.revision, digest, verdict.event_id))
            if outcome is Outcome.ACCEPTED:
                winners[key] = _Accepted(verdict, received_at, digest)
            else:
                superseded += 1
    known = await agg.store.known_rejections([lt.origin for lt in letters])
    fresh = [lt for lt in letters if lt.origin not in known]
    await agg.publisher.dead_letter(fresh)
    for lt in letters:
        event_id = UUID(lt.event_id) if lt.event_id else None
        batch.rejections.append((*lt.origin, event_id, lt.reason, lt.message))
    for key, accepted in winners.items():
        batch.facts.append(_fact(accepted))
        for m in memberships(agg.registry, key[0], key[1], accepted.report.period):
            batch.memberships.append((*key, m.level, m.code, m.member))
        if key[2] not in agg.loaded_periods and key[2] not in batch.structures:
            batch.structures[key[2]] = expected_structure(agg.registry, accepted.report.period)
    started = time.perf_counter()
    result = await agg.store.write(batch)
    agg.metrics.postgres_write(time.perf_counter() - started)
    agg.loaded_periods.update(batch.structures)
    await agg.store.flush_scorecards(agg.publisher.scorecard_updates)
    persisted_at = datetime.now(UTC)
    for fact in result.facts:
        agg.metrics.persisted((persisted_at - fact.reported_at).total_seconds())
    for lt in letters:
        agg.metrics.rejected(lt.reason)
    agg.metrics.processed(len(records))
    agg.metrics.deduplicated(dedup)
    agg.metrics.superseded(superseded)
    return result


def _key(report: IndicatorReportV1) -> UnitPeriodKey:
    return (report.unit.type, report.unit.code, period_date(report.period))


def _letter(record: InboundRecord, rejection: Rejection) -> DeadLetter:
    personal = rejection.reason == Reason.PERSONAL_DATA
    return DeadLetter(
        origin=(record.topic, record.partition, record.offset),
        key=None if personal else record.key,
        payload=None if personal else record.value,
        reason=rejection.reason,
        message=rejection.message,
        event_id=None if personal else rejection.event_id,
    )


def _fact(accepted: _Accepted) -> FactRow:
    r = accepted.report
    return FactRow(
        unit_type=r.unit.type,
        unit_code=r.unit.code,
        period=period_date(r.period),
        revision=r.revision,
        event_id=r.event_id,
        content_digest=accepted.digest,
        source=r.source,
        reported_at=r.reported_at,
        received_at=accepted.received_at,
        values=values_of(r),
    )
