"""``PostgresStore``: the handler's ``Store`` on an asyncpg pool.

A batch is one call of ``aggregator_apply_batch`` (one round trip, one transaction). The
scorecards it changed are sent by the handler right after; which outbox rows were sent, at
which rollup version, rides along in the store's next call, which releases the rows still
current and answers the ones that changed in between (another worker wrote them) to be sent
again. ``flush_scorecards`` is the slow path for rows nobody is sending: at start, and on a
timer for rows a crashed or stalled worker left.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import asyncpg

from services.aggregator.adapters import write_model
from services.aggregator.adapters.write_model import (
    BatchAnswer,
    BatchCall,
    Origin,
    RollupRow,
    Sent,
)

FLUSH_LIMIT = 5000  # outbox rows claimed per flush transaction
RESEND_ROUNDS = 5  # sends of changed figures within one flush before leaving it for later


class StoreUnavailable(RuntimeError):
    """PostgreSQL could not be reached or refused the write (transient: retry the batch)."""


class PostgresStore:
    """Facts, rollups and the DLQ ledger in PostgreSQL; one call per batch."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._sent: dict[int, Sent] = {}  # outbox rows sent, not yet released
        self._lock = asyncio.Lock()
        self._last_batch = 0.0  # monotonic time of the last batch call

    async def ping(self) -> bool:
        """True when PostgreSQL answers."""
        try:
            async with self._pool.acquire() as con:
                return bool(await con.fetchval("SELECT true"))
        except (OSError, asyncpg.PostgresError):
            return False

    async def sealed_years(self) -> frozenset[int]:
        async with self._pool.acquire() as con:
            return await write_model.sealed_years(con)

    async def reference_digests(self) -> dict[str, str]:
        async with self._pool.acquire() as con:
            return await write_model.reference_digests(con)

    async def apply(self, call: BatchCall, received_at: datetime) -> BatchAnswer:
        """The batch in one round trip; releases what was sent since the last call."""
        async with self._lock:
            if call.reports or call.rejections:
                self._last_batch = time.monotonic()
            call.sent = list(self._sent.values())
            try:
                async with self._pool.acquire() as con:
                    answer = await write_model.apply_batch(con, call, received_at)
            except (OSError, asyncpg.PostgresError) as e:
                raise StoreUnavailable(f"writing the batch to PostgreSQL failed: {e}") from e
            for sent in call.sent:
                self._sent.pop(sent.outbox_id, None)
            return answer

    async def mark_dead_lettered(self, origins: Sequence[Origin]) -> None:
        try:
            async with self._pool.acquire() as con:
                await write_model.mark_dead_lettered(con, origins)
        except (OSError, asyncpg.PostgresError) as e:
            raise StoreUnavailable(f"marking dead letters sent failed: {e}") from e

    async def send_scorecards(
        self, answer: BatchAnswer, send: Callable[[Sequence[RollupRow]], Awaitable[None]]
    ) -> list[RollupRow]:
        """Send what the batch changed and what changed since it was last sent; the rows
        are released by the next call. Returns the rollups the batch changed."""
        rows = {row.key: row for _, row in answer.resend}
        rows.update((row.key, row) for _, row in answer.rollups)
        if rows:
            await send(list(rows.values()))
        self._sent.update((s.outbox_id, s) for s, _ in answer.resend)
        self._sent.update((s.outbox_id, s) for s, _ in answer.rollups)
        return [row for _, row in answer.rollups]

    async def settle(
        self, send: Callable[[Sequence[RollupRow]], Awaitable[None]], idle_seconds: float = 0.0
    ) -> None:
        """Release what was sent when no batch came for ``idle_seconds`` to do it (batches
        release it in their own call), resending what changed."""
        if time.monotonic() - self._last_batch < idle_seconds:
            return
        while self._sent:
            answer = await self.apply(BatchCall(), datetime.now().astimezone())
            await self.send_scorecards(answer, send)

    async def flush_scorecards(
        self,
        send: Callable[[Sequence[RollupRow]], Awaitable[None]],
        older_than_seconds: float = 0.0,
    ) -> int:
        """Send the rollups waiting in the outbox (at least ``older_than_seconds`` old), as
        they are now; returns how many rows left the outbox. A failed send leaves them for
        the next flush, by any worker.

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
                    ids, keys = await write_model.claim_scorecards(
                        con, FLUSH_LIMIT, older_than_seconds
                    )
                    if not ids:
                        return released
                    pending = await write_model.current_rollups(con, keys)
                    for _ in range(RESEND_ROUNDS):
                        try:
                            await send(pending)
                        except BaseException as e:  # the broker's error, not PostgreSQL's
                            send_error = e
                            raise
                        sent = {r.key: r for r in pending}
                        now = await write_model.current_rollups(con, list(sent))
                        pending = [r for r in now if r != sent[r.key]]
                        if not pending:
                            await write_model.release_scorecards(con, ids)
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
