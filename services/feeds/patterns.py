"""The outsiders' suppression pattern of one period over the whole published system (pure).

One period's rollups (every level) and every additive relation the feeds publish — the
municipal tree (district → municipality → county → nation), KOSTRA groups and NAV offices —
go through :func:`services.feeds.suppression.suppress` together, so overlapping answers hide
the same cells. Derived figures over time (year to date, rolling 12 months, changes) are
published only where every monthly input is, so they add no relation over hidden cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contracts.rules import INDICATORS
from services.feeds.names import Names, all_relations
from services.feeds.suppression import CellKey, Relation, hierarchy_relations


def truth_rows(
    rollups: Mapping[str, Mapping[str, Mapping[str, Mapping[str, Any]]]],
) -> list[dict[str, Any]]:
    """``rollup_month``-shaped rows from a simulated year's ``truth.json["rollups"]``
    (level → code → period → indicators): the feeds' input without the stack."""
    return [
        {"level": level, "code": code, "period": period, **values}
        for level, by_code in rollups.items()
        for code, by_period in by_code.items()
        for period, values in by_period.items()
    ]


def cell_values(rows: Iterable[Mapping[str, Any]]) -> dict[CellKey, int | None]:
    """``rollup_month`` rows → cells (``None``: an indicator not reported)."""
    values: dict[CellKey, int | None] = {}
    for row in rows:
        unit = f"{row['level']}:{row['code']}"
        for ind in INDICATORS:
            raw = row[ind]
            values[CellKey(unit, row["period"], ind)] = None if raw is None else int(raw)
    return values


def period_relations(
    values: Mapping[CellKey, int | None], names: Names, period: str
) -> list[Relation]:
    """Every additive relation among the units of ``values`` at ``period``."""
    units = sorted({k.unit for k in values if k.period == period})
    return hierarchy_relations(all_relations(units, names, period), [period], INDICATORS)
