"""A period's pattern is recomputed only when what its safety depends on changes."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.registry import Registry
from services.feeds.names import Names
from services.feeds.patterns import refresh
from services.feeds.suppression import CellKey, determined_cells

P = "2025-03"
T0 = datetime(2025, 4, 1, tzinfo=UTC)
T1 = datetime(2025, 4, 2, tzinfo=UTC)


def table(small: int, big: int) -> dict[CellKey, int | None]:
    """Two municipalities of Oslo's neighbour county and the county and nation above."""
    registry = Registry.load()
    a, b = sorted(m.code for m in registry.municipalities(P) if m.county == "32")[:2]
    county = "county:32"
    cells: dict[CellKey, int | None] = {}
    for unit, value in (
        (f"municipality:{a}", small),
        (f"municipality:{b}", big),
        (county, small + big),
        ("nation:0", small + big),
    ):
        cells[CellKey(unit, P, "recipients")] = value
    return cells


def test_a_revision_that_moves_no_cell_into_the_small_range_keeps_the_pattern() -> None:
    names = Names(Registry.load())
    first = refresh(None, T0, table(2, 40), names, P)
    assert len(first.hidden) == 2 and determined_cells(first.relations, set(first.hidden)) == set()
    same = refresh(first, T1, table(3, 41), names, P)
    assert same.generation == first.generation and same.hidden == first.hidden
    assert same.version == T1 and same.values[CellKey("nation:0", P, "recipients")] == 44


def test_a_new_small_cell_recomputes_it() -> None:
    names = Names(Registry.load())
    first = refresh(None, T0, table(2, 40), names, P)
    again = refresh(first, T1, table(9, 40), names, P)
    assert again.generation == first.generation + 1 and again.hidden == frozenset()
