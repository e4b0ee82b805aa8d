"""``handle_batch``: one batch of consumed records → PostgreSQL, DLQ, scorecard updates.

Dependencies come in as small interfaces (``Store``, ``Publisher``, ``Metrics``) so the same
handler runs in the faust worker, the aiokafka loop, a replay and the tests (with fakes).

Order per batch (at-least-once, idempotent at every step):
1. validate each record (contract, registry, sealed year from the worker's cache);
2. one store call, one PostgreSQL transaction: the revision gate, facts, revisions, the DLQ
   ledger, memberships, rollups by difference, and the changed rollups into the outbox;
3. dead-letter what the ledger holds as not yet sent (new rejects and conflicts, or ones a
   crash left unsent), then mark them sent;
4. send the changed rollups' figures; the store releases their outbox rows in its next
   call if they are still current (else sends them again). The caller commits offsets after.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from contracts.dead_letters import DeadLetter as DeadLetter
from contracts.reports import IndicatorReportV1, Reason
from services.aggregator.adapters.write_model import (
    BatchAnswer,
    BatchCall,
    Origin,
    ReportRow,
    RollupRow,
)
from services.aggregator.domain import (
    RegistryView,
    Rejection,
    memberships,
    structure,
    validate,
    values_of,
)


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """One consumed record with its origin."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What one batch changed: facts written (reports) and rollups changed or removed."""

    facts: list[IndicatorReportV1]
    rollups: list[RollupRow]


class Store(Protocol):
    """PostgreSQL as the handler sees it."""

    async def sealed_years(self) -> frozenset[int]: ...
    async def reference_digests(self) -> dict[str, str]: ...
    async def apply(self, call: BatchCall, received_at: datetime) -> BatchAnswer: ...
    async def mark_dead_lettered(self, origins: Sequence[Origin]) -> None: ...
    async def send_scorecards(
        self, answer: BatchAnswer, send: Callable[[Sequence[RollupRow]], Awaitable[None]]
    ) -> list[RollupRow]: ...
    async def flush_scorecards(
        self,
        send: Callable[[Sequence[RollupRow]], Awaitable[None]],
        older_than_seconds: float = 0.0,
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
    """The handler's dependencies and what the worker caches: the sealed years (refreshed
    on the compactor's seal event) and the periods whose structure PostgreSQL holds as this
    registry has it (with the units of each, to know which need memberships sent along)."""

    registry: RegistryView
    store: Store
    publisher: Publisher
    metrics: Metrics
    today: date | None = None
    sealed: frozenset[int] = frozenset()
    stored_digests: dict[str, str] = field(default_factory=dict)
    structured: dict[str, tuple[str, list[Any], list[Any], list[Any]]] = field(default_factory=dict)
    _units: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)

    async def start(self) -> None:
        """Read the sealed years and the structures PostgreSQL holds (once, at start)."""
        self.sealed = await self.store.sealed_years()
        self.stored_digests = await self.store.reference_digests()

    def structured_units(self, period: str) -> frozenset[tuple[str, str]]:
        """The units whose memberships the structure of ``period`` holds."""
        units = self._units.get(period)
        if units is None:
            units = frozenset((r[0], r[1]) for r in self.structured[period][3])
            self._units[period] = units
        return units

    async def refresh_sealed(self) -> None:
        """The compactor sealed a year: read the sealed years again."""
        self.sealed = await self.store.sealed_years()


@dataclass(slots=True)
class PreparedBatch:
    """A validated batch, ready for its one store call."""

    records: Sequence[InboundRecord]
    received_at: datetime
    call: BatchCall
    letters: dict[Origin, DeadLetter]
    reports: list[IndicatorReportV1]
    by_origin: dict[Origin, InboundRecord]


async def handle_batch(agg: Aggregator, records: Sequence[InboundRecord]) -> BatchResult:
    """Validate, persist and emit one batch; returns what PostgreSQL changed."""
    return await persist_batch(agg, prepare_batch(agg, records))


def prepare_batch(agg: Aggregator, records: Sequence[InboundRecord]) -> PreparedBatch:
    """Validate the records and build the store call (pure Python, no I/O): a runtime may
    prepare the next batch while PostgreSQL works on this one."""
    received_at = datetime.now(UTC)
    call = BatchCall()
    letters: dict[Origin, DeadLetter] = {}
    reports: list[IndicatorReportV1] = []
    by_origin: dict[Origin, InboundRecord] = {}
    for record in records:
        origin = (record.topic, record.partition, record.offset)
        by_origin[origin] = record
        verdict = validate(record.value, agg.registry, agg.sealed, agg.today)
        if isinstance(verdict, Rejection):
            letter = _letter(record, verdict)
            letters[origin] = letter
            call.rejections.append((*origin, letter.event_id, letter.reason, letter.message))
            continue
        _structure(agg, call, verdict)
        call.reports.append(
            ReportRow(
                len(reports),
                verdict.unit.type,
                verdict.unit.code,
                verdict.period,
                verdict.revision,
                verdict.content_digest(),
                str(verdict.event_id),
                verdict.source,
                verdict.reported_at,
                values_of(verdict),
                origin,
            )
        )
        reports.append(verdict)
    return PreparedBatch(records, received_at, call, letters, reports, by_origin)


async def persist_batch(agg: Aggregator, batch: PreparedBatch) -> BatchResult:
    """The one store call, then the dead letters and the scorecards; safe to retry."""
    call, letters, reports, by_origin = batch.call, batch.letters, batch.reports, batch.by_origin
    started = time.perf_counter()
    answer = await agg.store.apply(call, batch.received_at)
    agg.metrics.postgres_write(time.perf_counter() - started)
    for period in call.structures:
        agg.stored_digests[period] = call.structures[period][0]
    pending = [
        letters.get(tuple(x[:3]))  # type: ignore[arg-type]
        or _letter(
            by_origin[(x[0], x[1], x[2])],
            Rejection(x[3], x[4], x[5]),
        )
        for x in answer.letters
    ]
    if pending:
        pending.sort(key=lambda lt: lt.origin)  # in the order of the topic
        await agg.publisher.dead_letter(pending)
        await agg.store.mark_dead_lettered([lt.origin for lt in pending])
    rollups = await agg.store.send_scorecards(answer, agg.publisher.scorecard_updates)
    persisted_at = datetime.now(UTC)
    facts = [reports[i] for i in answer.written]
    for fact in facts:
        agg.metrics.persisted((persisted_at - fact.reported_at).total_seconds())
    for lt in letters.values():
        agg.metrics.rejected(lt.reason)
    conflicts = [x for x in answer.letters if x[3] == Reason.CONFLICTING_REVISION]
    for _ in conflicts:
        agg.metrics.rejected(str(Reason.CONFLICTING_REVISION))
    agg.metrics.processed(len(batch.records))
    agg.metrics.deduplicated(answer.deduplicated)
    agg.metrics.superseded(answer.superseded)
    return BatchResult(facts, rollups)


def _structure(agg: Aggregator, call: BatchCall, report: IndicatorReportV1) -> None:
    """Send a period's structure along until PostgreSQL holds it as this registry has it
    (computed once per worker and period); a unit outside it gets its memberships sent."""
    period = report.period
    known = agg.structured.get(period)
    if known is None:
        known = structure(agg.registry, period)
        agg.structured[period] = known
    digest = known[0]
    if agg.stored_digests.get(period) != digest and period not in call.structures:
        call.structures[period] = known
    if (report.unit.type, report.unit.code) not in agg.structured_units(period):
        call.memberships.extend(
            (report.unit.type, report.unit.code, period, m.level, m.code, m.member)
            for m in memberships(agg.registry, report.unit.type, report.unit.code, period)
        )


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
