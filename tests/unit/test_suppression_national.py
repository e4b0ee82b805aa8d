"""The national demo year (2025, seed 2025, scale 1), simulated in process: every month's
pattern over every level, indicator and published relation keeps the figures usable and
protects every hidden cell, for the directorate and for the municipalities that see their
own figures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.registry import Registry
from services.feeds.names import Names
from services.feeds.patterns import cell_values, period_relations, truth_rows
from services.feeds.suppression import (
    KRONER,
    RECIPIENTS,
    SUPPRESSED,
    CellKey,
    Relation,
    determined_cells,
    known_to_reader,
    suppress,
)
from services.simulator import SimulationConfig, simulate

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
Month = tuple[dict[CellKey, int | None], list[Relation], set[CellKey]]


@pytest.fixture(scope="module")
def national_year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Month]]:
    out: Path = tmp_path_factory.mktemp("national")
    simulate(SimulationConfig(year=2025, seed=2025, scale=1.0), out)
    rows = truth_rows(json.loads((out / "truth.json").read_text(encoding="utf-8"))["rollups"])
    names = Names(Registry.load())
    months: dict[str, Month] = {}
    for period in MONTHS:
        values = cell_values(r for r in rows if r["period"] == period)
        relations = period_relations(values, names, period)
        cells = suppress(values, relations)
        months[period] = (
            values,
            relations,
            {k for k, c in cells.items() if c.status == SUPPRESSED},
        )
    yield months


def level(cell: CellKey) -> str:
    return cell.unit.split(":", 1)[0]


def primary(values: dict[CellKey, int | None]) -> set[CellKey]:
    return {k for k, c in suppress(values).items() if c.status == SUPPRESSED}


@pytest.mark.parametrize("period", MONTHS)
def test_the_municipality_level_hides_at_most_one_percent(
    national_year: dict[str, Month], period: str
) -> None:
    values, _, hidden = national_year[period]
    for indicator in (RECIPIENTS, KRONER):
        cells = [k for k in values if level(k) == "municipality" and k.indicator == indicator]
        total = sum(values[k] or 0 for k in cells)
        lost = sum(values[k] or 0 for k in cells if k in hidden)
        assert lost <= total / 100, (indicator, lost, total)
    first = primary(values)
    muni = [k for k in hidden if level(k) == "municipality" and k.indicator == RECIPIENTS]
    muni_primary = [k for k in muni if k in first]
    assert muni_primary, "no small municipality this month: the test would prove little"
    assert len(muni) <= 3 * len(muni_primary)


@pytest.mark.parametrize("period", MONTHS)
def test_no_county_or_nation_cell_hidden_unless_primary(
    national_year: dict[str, Month], period: str
) -> None:
    values, _, hidden = national_year[period]
    top = {k for k in hidden - primary(values) if level(k) in ("county", "nation")}
    assert top == set()


@pytest.mark.parametrize("period", MONTHS)
def test_no_hidden_cell_is_recoverable(national_year: dict[str, Month], period: str) -> None:
    _, relations, hidden = national_year[period]
    assert hidden
    assert determined_cells(relations, hidden) == set()


def test_a_municipality_seeing_its_own_figures_recovers_nobody_elses(
    national_year: dict[str, Month],
) -> None:
    """December, each municipality whose own cell is hidden from others (it is the one
    that could use its own figure against the totals), and a sample of the rest."""
    values, relations, public = national_year["2025-12"]
    units = sorted({k.unit for k in values if level(k) == "municipality"})
    own_hidden = sorted({k.unit for k in public if level(k) == "municipality"})
    viewers = own_hidden + units[:: max(1, len(units) // 8)]
    for unit in viewers:
        own = frozenset(k for k in values if k.unit == unit)
        cells = suppress(values, relations, own, public)
        hidden = {k for k, c in cells.items() if c.status == SUPPRESSED}
        known = known_to_reader(values, relations, own)
        assert not (hidden & known)
        leaked = determined_cells(relations, hidden) - known
        assert leaked == set(), (unit, sorted(leaked)[:5])
        assert public - known <= hidden  # nothing hidden from others is given back
        top = {k for k in hidden - primary(values) if level(k) in ("county", "nation")}
        assert top == set(), (unit, sorted(top))
