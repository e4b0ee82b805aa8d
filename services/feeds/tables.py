"""Export tables: a level and its ancestors over a period range, suppressed, made from the
periods' snapshots (``snapshots.Snapshots``) only, so every figure sits beside the pattern
of its own data version.

A table is cached per snapshot versions, units and the viewer's own units, and each month
of it per its version, units, own cells and hidden cells (the relations never cross months),
so a new report recomputes only its own month and nothing is recomputed when nothing
changed. While reports stream in (``background``), a request whose snapshots moved gets the
last complete table of the same question while the new one is built in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from contracts.periods import periods_between
from contracts.rules import INDICATORS
from services.feeds.names import Names, hierarchy
from services.feeds.snapshots import FRESH_WAIT_SECONDS, Snapshot, logged
from services.feeds.suppression import Cell, CellKey, Relation, hierarchy_relations, suppress

ANCESTORS: dict[str, tuple[str, ...]] = {
    "nation": ("nation",),
    "county": ("nation", "county"),
    "municipality": ("nation", "county", "municipality"),
    "district": ("municipality", "district"),
    "kostra_group": ("nation", "kostra_group"),
    "nav_office": ("nav_office",),
}
MONTHS = 96
ANSWERS = 32

Exempt = Callable[[str], bool]
Hidden = Callable[[dict[str, Snapshot], Exempt], set[CellKey]]
Slot = tuple[str, str, str, int, frozenset[str]]
Key = tuple[tuple[str, ...], tuple[tuple[str, datetime], ...]]


@dataclass(frozen=True, slots=True)
class Table:
    """Suppressed cells of a set of units over a period range, with names."""

    units: list[str]
    periods: list[str]
    cells: dict[CellKey, Cell]
    names: dict[str, str]
    version: datetime | None = None
    """The latest data version of the snapshots the figures and their pattern come from."""
    rendered: dict[str, str] = field(default_factory=dict, compare=False)
    """The table's exports, by format, made once."""


def relations(units: Sequence[str], period: str, names: Names) -> list[Relation]:
    return hierarchy_relations(hierarchy(units, names, period), [period], INDICATORS)


_DEPTH = {"nation": 0, "county": 1, "kostra_group": 1, "municipality": 2, "nav_office": 2}


def unit_order(unit: str) -> tuple[int, str]:
    return (_DEPTH.get(unit.split(":", 1)[0], 3), unit)


class Tables:
    """The export tables, cached; rebuilt in the background when ``background``."""

    def __init__(self, names: Names, hidden: Hidden, background: bool = False) -> None:
        self.names = names
        self.hidden = hidden
        self.background = background
        self._months: dict[tuple[object, ...], dict[CellKey, Cell]] = {}
        self._answers: dict[Slot, tuple[Key, Table]] = {}
        self._running: dict[Slot, asyncio.Task[Table]] = {}
        self._lock = asyncio.Lock()

    async def table(
        self,
        level: str,
        first: str,
        last: str,
        snaps: dict[str, Snapshot],
        exempt: Exempt,
        max_units: int,
    ) -> Table:
        present = {u for s in snaps.values() for u in s.rows}
        own = frozenset(u for u in present if exempt(u))  # one access decision per unit
        levels = ANCESTORS[level]
        shown = (u for u in present if u.partition(":")[0] in levels)
        units = sorted(shown, key=unit_order)[:max_units]
        slot: Slot = (level, first, last, max_units, own)
        key: Key = (tuple(units), tuple((p, s.version) for p, s in snaps.items()))
        done = self._answers.get(slot)
        if done is not None and done[0] == key:
            return done[1]
        also = self.hidden(snaps, exempt)  # the viewer's pattern, on this thread
        build = self._build(slot, key, level, first, last, snaps, own, also)
        if done is not None and self.background:
            task = self._running.get(slot)
            if task is None:
                task = asyncio.get_running_loop().create_task(build)
                self._running[slot] = task
                task.add_done_callback(lambda _: self._running.pop(slot, None))
                task.add_done_callback(logged)
            else:
                build.close()
            # a quick rebuild is waited for, so an answer after a change shows it; a slow
            # one (while reports stream in) leaves the last complete table in place
            await asyncio.wait({task}, timeout=FRESH_WAIT_SECONDS)
            if task.done() and not task.cancelled() and task.exception() is None:
                return task.result()
            return done[1]
        return await build

    async def _build(
        self,
        slot: Slot,
        key: Key,
        level: str,
        first: str,
        last: str,
        snaps: dict[str, Snapshot],
        own: frozenset[str],
        also: set[CellKey],
    ) -> Table:
        async with self._lock:  # one build at a time: the month cache has one writer
            done = self._answers.get(slot)
            if done is not None and done[0] == key:
                return done[1]
            table = await asyncio.to_thread(
                self._compute, level, first, last, list(key[0]), snaps, own, also
            )
            self._answers.pop(slot, None)
            if len(self._answers) >= ANSWERS:
                self._answers.pop(next(iter(self._answers)))
            self._answers[slot] = (key, table)
            return table

    def _compute(
        self,
        level: str,
        first: str,
        last: str,
        units: list[str],
        snaps: dict[str, Snapshot],
        own: frozenset[str],
        also: set[CellKey],
    ) -> Table:
        shown = set(units)
        cells: dict[CellKey, Cell] = {}
        for period, snap in snaps.items():
            part = {k: v for k, v in snap.values.items() if k.unit in shown}
            mine = frozenset(k for k in part if k.unit in own)
            hide = frozenset(k for k in also if k.period == period)
            key = (level, period, snap.version, tuple(units), mine, hide)
            month = self._months.get(key)
            if month is None:
                month = suppress(part, relations(units, period, self.names), mine, hide)
                if len(self._months) >= MONTHS:
                    self._months.pop(next(iter(self._months)))
                self._months[key] = month
            cells.update(month)
        names = self.names.names(last)
        return Table(
            units,
            periods_between(first, last),
            cells,
            {u: names.get(u, u) for u in units},
            max((s.version for s in snaps.values()), default=None),
        )
