"""A figure and its suppression always come from one snapshot, while reports stream in.

The database is a fake here (rows in a list, the two queries the snapshots make); the
pattern, the table and the debounce are the real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest

from contracts.registry import Registry
from contracts.rules import INDICATORS
from services.feeds import snapshots, tables
from services.feeds.handlers import Feeds
from services.feeds.names import Names
from services.feeds.suppression import SUPPRESSED, CellKey, primary_suppressed
from services.feeds.tables import Table

P = "2025-03"
T0 = datetime(2025, 4, 1, tzinfo=UTC)
T1 = datetime(2025, 4, 2, tzinfo=UTC)
REGISTRY = Registry.load()
A, B, C = sorted(m.code for m in REGISTRY.municipalities(P) if m.county == "32")[:3]


def row(level: str, code: str, value: int, at: datetime) -> dict[str, Any]:
    return {
        "level": level,
        "code": code,
        "period": date(2025, 3, 1),
        **{ind: value * (10_000 if ind == "kroner_paid" else 1) for ind in INDICATORS},
        "members_reported": 1,
        "members_expected": 1,
        "updated_at": at,
    }


def rows(a: int, at: datetime) -> list[dict[str, Any]]:
    total = a + 40 + 50
    return [
        row("municipality", A, a, at),
        row("municipality", B, 40, T0),
        row("municipality", C, 50, T0),
        row("county", "32", total, at),
        row("nation", "0", total, at),
    ]


class FakeDatabase:
    """The rows of ``rollup_month`` and the two statements the snapshots send."""

    def __init__(self, data: list[dict[str, Any]]) -> None:
        self.data = data

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        versions: dict[date, datetime] = {}
        for r in self.data:
            versions[r["period"]] = max(versions.get(r["period"], r["updated_at"]), r["updated_at"])
        if "max(updated_at)" in sql:
            return [{"period": p, "version": v} for p, v in sorted(versions.items())]
        level, first, last = args[0], args[1], args[2]
        return [dict(r) for r in self.data if r["level"] in level and first <= r["period"] <= last]

    @asynccontextmanager
    async def transaction(self, readonly: bool = False) -> AsyncIterator[None]:
        yield

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[FakeDatabase]:
        yield self


def feeds(db: FakeDatabase, now: list[float], background: bool) -> Feeds:
    async def pool() -> Any:
        return db

    made = Feeds(Names(REGISTRY), debounce=2.0, pool=pool if background else None)
    made.snapshots.clock = lambda: now[0]
    return made


async def export(f: Feeds, db: FakeDatabase, last: str = P) -> Table:
    return await f.table(db, "municipality", P, last, lambda _: False, 1000)  # type: ignore[arg-type]


async def settle(f: Feeds) -> None:
    """Until the background work is done."""
    for _ in range(500):
        if not f.snapshots._running and not f.tables._running:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the background refresh never ended")


def shown(t: Table) -> tuple[int | None, str | None]:
    cell = t.cells[CellKey(f"municipality:{A}", P, "recipients")]
    return cell.value, cell.status


def assert_consistent(t: Table, f: Feeds) -> None:
    """What the table shows of A is what its own version holds, protected by its own
    pattern (made of the same figures, every cell of 1–3 in it, all of it applied): never
    a figure of 1–3 beside it, nor a new figure beside the old version's pattern."""
    snap = f.snapshots.current[P]
    assert t.version == snap.version == snap.pattern.version
    assert snap.pattern.values == snap.values
    assert primary_suppressed(snap.values) <= snap.pattern.hidden
    hidden = {k for k, c in t.cells.items() if c.status == SUPPRESSED}
    assert {k for k in snap.pattern.hidden if k in t.cells} <= hidden
    value, status = shown(t)
    assert status == SUPPRESSED or value not in (1, 2, 3)
    assert (t.version, status == SUPPRESSED) in {(T0, False), (T1, True)}
    if status != SUPPRESSED:
        assert value == 10


def test_a_cell_that_becomes_small_is_never_shown_with_the_old_pattern() -> None:
    async def run() -> None:
        db, now = FakeDatabase(rows(10, T0)), [0.0]
        f = feeds(db, now, background=False)
        first = await export(f, db)
        assert shown(first) == (10, None) and first.version == T0
        assert_consistent(first, f)
        db.data = rows(2, T1)  # A's new figure is 2 (needs a pattern of its own)
        now[0] = 1.0  # within the debounce: the last complete snapshot, figures and pattern
        stale = await export(f, db)
        assert stale is first and stale.version == T0
        assert_consistent(stale, f)
        now[0] = 2.5  # the debounce is over: the new version, with its pattern
        fresh = await export(f, db)
        assert fresh.version == T1 and shown(fresh) == (None, SUPPRESSED)
        hidden = [k for k, c in fresh.cells.items() if c.status == SUPPRESSED]
        assert len({k.unit for k in hidden}) >= 2  # a secondary cell beside the primary one
        assert_consistent(fresh, f)

    asyncio.run(run())


async def moved_on_after_an_export() -> tuple[FakeDatabase, Feeds]:
    """Background feeds that answered version T0; then A's figure becomes 2 (version T1)
    and the debounce is over."""
    db, now = FakeDatabase(rows(10, T0)), [0.0]
    f = feeds(db, now, background=True)
    assert (await export(f, db)).version == T0
    db.data = rows(2, T1)
    now[0] = 5.0
    return db, f


def test_a_quick_refresh_is_shown_at_once() -> None:
    async def run() -> None:
        db, f = await moved_on_after_an_export()
        after = await export(f, db)  # the refresh finishes within the wait: no stale answer
        assert after.version == T1 and shown(after) == (None, SUPPRESSED)
        assert_consistent(after, f)

    asyncio.run(run())


def test_the_new_version_is_computed_in_the_background_and_served_when_complete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a refresh slower than the wait: answers keep the last complete snapshot and table
    monkeypatch.setattr(snapshots, "FRESH_WAIT_SECONDS", 0.0)
    monkeypatch.setattr(tables, "FRESH_WAIT_SECONDS", 0.0)

    async def run() -> None:
        db, f = await moved_on_after_an_export()
        during = await export(f, db)  # starts the refresh, answers from the old snapshot
        assert during.version == T0
        assert_consistent(during, f)
        await settle(f)
        between = await export(f, db)  # the new snapshot; its table is built meanwhile
        assert between.version == T0
        await settle(f)
        after = await export(f, db)
        assert after.version == T1 and shown(after) == (None, SUPPRESSED)
        assert_consistent(after, f)

    asyncio.run(run())


def test_nothing_is_recomputed_when_nothing_changed() -> None:
    async def run() -> None:
        db, now = FakeDatabase(rows(10, T0)), [0.0]
        f = feeds(db, now, background=True)
        first = await export(f, db)
        now[0] = 60.0
        again = await export(f, db)
        assert again is first and not f.snapshots._running and not f.tables._running

    asyncio.run(run())


def test_each_viewer_gets_the_table_of_its_own_units() -> None:
    async def run() -> None:
        db, now = FakeDatabase(rows(2, T1)), [0.0]
        f = feeds(db, now, background=True)
        outsiders = await export(f, db)
        own_b = await f.table(db, "municipality", P, P, lambda u: u == f"municipality:{B}", 1000)  # type: ignore[arg-type]
        b = CellKey(f"municipality:{B}", P, "recipients")
        assert own_b is not outsiders and own_b.cells[b].value == 40
        assert outsiders.cells[b].status == SUPPRESSED  # the cheapest secondary cell
        assert (await export(f, db)) is outsiders

    asyncio.run(run())


def test_a_new_month_is_taken_in_the_background_and_left_out_until_complete() -> None:
    async def run() -> None:
        db, now = FakeDatabase(rows(10, T0)), [0.0]
        f = feeds(db, now, background=True)
        await export(f, db, "2025-04")
        april = [{**r, "period": date(2025, 4, 1), "updated_at": T1} for r in rows(2, T1)]
        db.data = db.data + april
        during = await export(f, db, "2025-04")
        assert during.version == T0 and all(k.period == P for k in during.cells)
        await settle(f)
        await export(f, db, "2025-04")
        await settle(f)
        after = await export(f, db, "2025-04")
        assert after.version == T1
        a_april = after.cells[CellKey(f"municipality:{A}", "2025-04", "recipients")]
        assert a_april.status == SUPPRESSED and shown(after) == (10, None)

    asyncio.run(run())
