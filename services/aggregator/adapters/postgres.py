"""``PostgresStore``: the handler's ``Store`` on an asyncpg pool."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date

import asyncpg

from services.aggregator.domain import UnitState
from services.aggregator.handlers import BatchWrite, WriteResult
from services.storage import queries
from services.storage.queries import Origin, RollupRow, UnitPeriodKey

FLUSH_LIMIT = 5000  # outbox rows claimed per flush transaction
RESEND_ROUNDS = 5  # sends of changed figures within one flush before leaving it for later


class StoreUnavailable(RuntimeError):
    """PostgreSQL could not be reached or refused the write (transient: retry the batch)."""


class PostgresStore:
    """Facts, rollups and the DLQ ledger in PostgreSQL; one transaction per batch."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        # (unit type, unit code, period, level) → (rollup code, member code) as this store
        # wrote it: memberships follow from the registry, so a unit-period already written
        # needs no second write (a new registry means a new worker and an empty cache).
        self._memberships: dict[tuple[str, str, date, str], tuple[str, str]] = {}

    async def ping(self) -> bool:
        """True when PostgreSQL answers."""
        try:
            async with self._pool.acquire() as con:
                return bool(await con.fetchval("SELECT true"))
        except (OSError, asyncpg.PostgresError):
            return False

    async def sealed_years(self) -> frozenset[int]:
        async with self._pool.acquire() as con:
            return await queries.sealed_years(con)

    async def unit_states(self, keys: Sequence[UnitPeriodKey]) -> dict[UnitPeriodKey, UnitState]:
        async with self._pool.acquire() as con:
            rows = await queries.seen_revisions(con, keys)
        return {k: UnitState(winner, dict(seen)) for k, (winner, seen) in rows.items()}

    async def known_rejections(self, origins: Sequence[Origin]) -> set[Origin]:
        async with self._pool.acquire() as con:
            return await queries.known_rejections(con, origins)

    async def write(self, batch: BatchWrite) -> WriteResult:
        try:
            async with self._pool.acquire() as con, con.transaction():
                for period, (units, members) in batch.structures.items():
                    await queries.load_structure(con, period, units, members)
                await queries.record_rejections(con, batch.rejections)
                await queries.record_revisions(con, batch.revisions)
                facts = await queries.upsert_facts(con, batch.facts)
                written = {(f.unit_type, f.unit_code, f.period) for f in facts}
                mine = [m for m in batch.memberships if m[:3] in written]
                fresh = [m for m in mine if self._memberships.get(m[:4]) != m[4:]]
                touched = {(m[3], m[4], m[2]) for m in mine}
                touched |= await queries.sync_memberships(con, fresh)
                touched |= await queries.district_rollups_of(
                    con, [(c, p) for t, c, p in written if t == "municipality"]
                )
                rollups = await queries.recompute_rollups(con, touched)
                await queries.enqueue_scorecards(con, (r.key for r in rollups))
        except (OSError, asyncpg.PostgresError) as e:
            raise StoreUnavailable(f"writing the batch to PostgreSQL failed: {e}") from e
        self._memberships.update((m[:4], m[4:]) for m in fresh)
        return WriteResult(facts, rollups)

    async def flush_scorecards(self, send: Callable[[Sequence[RollupRow]], Awaitable[None]]) -> int:
        """Send the rollups waiting in the outbox, as they are now; returns how many rows
        left the outbox. A failed send leaves them for the next flush, by any worker.

        No lock is held against writers, so a rollup may change while its figures are on
        the way, and another flush may then send the newer figures before these land. So
        after the broker's acks the rollups are read again, and whatever changed is sent
        again, until what was sent last is what PostgreSQL holds: the last record of a key
        on the topic is never older than its rollup. If writes keep outrunning the flush,
        the rows stay for a later one.
        """
        released = 0
        send_error: BaseException | None = None
        try:
            while True:
                async with self._pool.acquire() as con, con.transaction():
                    ids, keys = await queries.claim_scorecards(con, FLUSH_LIMIT)
                    if not ids:
                        return released
                    pending = await queries.current_rollups(con, keys)
                    for _ in range(RESEND_ROUNDS):
                        try:
                            await send(pending)
                        except BaseException as e:  # the broker's error, not PostgreSQL's
                            send_error = e
                            raise
                        sent = {r.key: r for r in pending}
                        now = await queries.current_rollups(con, list(sent))
                        pending = [r for r in now if r != sent[r.key]]
                        if not pending:
                            await queries.release_scorecards(con, ids)
                            break
                    else:
                        return released  # still changing: a later flush sends the rest
                released += len(ids)
                if len(ids) < FLUSH_LIMIT:
                    return released
        except (OSError, asyncpg.PostgresError) as e:
            if e is send_error:
                raise
            raise StoreUnavailable(f"flushing the scorecard outbox failed: {e}") from e
