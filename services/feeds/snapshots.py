"""One period's figures and the outsiders' pattern computed from exactly those figures.

A :class:`Snapshot` holds the rollup rows of every level of one period as one SQL statement
read them, and the pattern :func:`services.feeds.patterns.refresh` made of those rows; its
``version`` is the latest ``updated_at`` among them. Feeds answer from snapshots only, so a
figure and the pattern that protects it always come from the same data: a cell that becomes
1–3 in a new version is never shown beside the old version's pattern.

While reports stream in, :class:`Snapshots` serves the last complete snapshot of a period
and recomputes it at most once every ``debounce`` seconds, in the background when it has a
pool (the request never waits for it), else in the request. ``debounce=0`` recomputes in
the request whenever the version moved (every answer is current).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from contracts.registry import LEVELS
from services.feeds import queries
from services.feeds.names import Names
from services.feeds.patterns import Pattern, cell_values, refresh
from services.feeds.suppression import CellKey

Pool = Callable[[], Awaitable[asyncpg.Pool]]
log = logging.getLogger(__name__)


def logged(task: asyncio.Task[Any]) -> None:
    """A background refresh that failed is logged (the next request tries again)."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.warning("background refresh failed: %r", error)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A period's rows by unit, their cells and their pattern, from one read."""

    period: str
    version: datetime
    rows: dict[str, dict[str, Any]]
    values: dict[CellKey, int | None]
    pattern: Pattern
    taken_at: float


def latest(rows: Iterable[Mapping[str, Any]], fallback: datetime) -> datetime:
    """The data version of ``rows``: their latest ``updated_at``."""
    stamps = [r["updated_at"] for r in rows if isinstance(r.get("updated_at"), datetime)]
    return max(stamps, default=fallback)


def make_snapshot(
    previous: Snapshot | None,
    period: str,
    rows: list[dict[str, Any]],
    fallback: datetime,
    names: Names,
    now: float,
) -> Snapshot:
    """The snapshot of ``rows`` (one period, every level); the previous pattern is kept when
    the new figures leave its signature as it was (see ``patterns.refresh``)."""
    version = latest(rows, fallback)
    values = cell_values(rows)
    base = None if previous is None else previous.pattern
    pattern = refresh(base, version, values, names, period)
    by_unit = {f"{r['level']}:{r['code']}": r for r in rows}
    return Snapshot(period, version, by_unit, values, pattern, now)


FRESH_WAIT_SECONDS = 0.25
"""How long a request waits for a period (or its table) being refreshed before it is given
the last complete one."""


class Snapshots:
    """The latest complete snapshot of each period, refreshed at most once per
    ``debounce`` seconds while its version moves."""

    def __init__(
        self,
        names: Names,
        debounce: float = 0.0,
        pool: Pool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.names = names
        self.debounce = debounce
        self.pool = pool
        self.clock = clock
        self.current: dict[str, Snapshot] = {}
        self._lock = asyncio.Lock()
        self._running: dict[str, asyncio.Task[None]] = {}

    async def of(
        self, con: queries.Conn, versions: Mapping[str, datetime], wait: bool = True
    ) -> dict[str, Snapshot]:
        """A complete snapshot of each period of ``versions`` (its latest ``updated_at``).
        ``wait=False``: a period that has none yet, while others have, is taken in the
        background and left out (the answer is as of before its first reports)."""
        background = self.pool is not None and self.debounce > 0
        skip = not wait and background and any(p in self.current for p in versions)
        out: dict[str, Snapshot] = {}
        for period, version in versions.items():
            snap = self.current.get(period)
            if snap is None and skip:
                self._start(period, version)
                continue
            if snap is None or (snap.version < version and self._due(snap)):
                if snap is not None and background:
                    snap = await self._start_and_wait(period, version, snap)
                else:
                    snap = await self._take(con, period, version)
            out[period] = snap
        return out

    def _due(self, snap: Snapshot) -> bool:
        return self.clock() - snap.taken_at >= self.debounce

    async def _start_and_wait(self, period: str, version: datetime, last: Snapshot) -> Snapshot:
        """Refresh ``period`` in the background; wait ``FRESH_WAIT_SECONDS`` for it, so a
        quick refresh is shown at once, and otherwise give the ``last`` complete one."""
        self._start(period, version)
        task = self._running.get(period)
        if task is not None:
            await asyncio.wait({task}, timeout=FRESH_WAIT_SECONDS)
        return self.current.get(period, last)

    def _start(self, period: str, version: datetime) -> None:
        if period in self._running:
            return
        task = asyncio.get_running_loop().create_task(self._background(period, version))
        self._running[period] = task
        task.add_done_callback(lambda _: self._running.pop(period, None))
        task.add_done_callback(logged)

    async def _background(self, period: str, version: datetime) -> None:
        assert self.pool is not None
        pool = await self.pool()
        async with pool.acquire() as con, con.transaction(readonly=True):
            await self._take(con, period, version)

    async def _take(self, con: queries.Conn, period: str, version: datetime) -> Snapshot:
        """Read the period once and compute its pattern (one at a time, in a thread)."""
        async with self._lock:
            snap = self.current.get(period)
            if snap is not None and snap.version >= version:
                return snap  # another request took it meanwhile
            rows = await queries.rollups(con, LEVELS, period, period)
            snap = await asyncio.to_thread(
                make_snapshot, snap, period, rows, version, self.names, self.clock()
            )
            self.current[period] = snap
            return snap
