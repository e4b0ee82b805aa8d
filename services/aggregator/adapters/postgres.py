"""``PostgresStore``: the handler's ``Store`` on an asyncpg pool."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from services.aggregator.domain import UnitState
from services.aggregator.handlers import BatchWrite, WriteResult
from services.storage import queries
from services.storage.queries import Origin, RollupRow, UnitPeriodKey

FLUSH_LIMIT = 5000  # scorecard keys sent per outbox transaction


class StoreUnavailable(RuntimeError):
    """PostgreSQL could not be reached or refused the write (transient: retry the batch)."""


class PostgresStore:
    """Facts, rollups and the DLQ ledger in PostgreSQL; one transaction per batch."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

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
                touched = await queries.replace_memberships(
                    con, [m for m in batch.memberships if m[:3] in written]
                )
                rollups = await queries.recompute_rollups(con, touched)
                await queries.enqueue_scorecards(
                    con, ((r.level, r.code, r.period) for r in rollups)
                )
        except (OSError, asyncpg.PostgresError) as e:
            raise StoreUnavailable(f"writing the batch to PostgreSQL failed: {e}") from e
        return WriteResult(facts, rollups)

    async def flush_scorecards(self, send: Callable[[Sequence[RollupRow]], Awaitable[None]]) -> int:
        """Send every rollup waiting in the outbox (its value now) and remove it once the
        broker acknowledged; returns how many were sent. A failed send leaves them for the
        next flush, by this worker or another."""
        sent = 0
        send_error: BaseException | None = None
        try:
            while True:
                async with self._pool.acquire() as con, con.transaction():
                    rows = await queries.claim_scorecards(con, FLUSH_LIMIT)
                    if rows:
                        try:
                            await send(rows)
                        except BaseException as e:  # the broker's error, not PostgreSQL's
                            send_error = e
                            raise
                        await queries.release_scorecards(con, rows)
                sent += len(rows)
                if len(rows) < FLUSH_LIMIT:
                    return sent
        except (OSError, asyncpg.PostgresError) as e:
            if e is send_error:
                raise
            raise StoreUnavailable(f"flushing the scorecard outbox failed: {e}") from e
