"""The outsiders' suppression pattern of one period over the whole published system (pure).

One period's rollups (every level) and every additive relation the feeds publish — the
municipal tree (district → municipality → county → nation), KOSTRA groups and NAV offices —
go through :func:`services.feeds.suppression.suppress` together, so overlapping answers hide
the same cells. Derived figures over time (year to date, rolling 12 months, changes) are
published only where every monthly input is, so they add no relation over hidden cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from contracts.rules import INDICATORS
from services.feeds.names import Names, all_relations
from services.feeds.suppression import (
    SUPPRESSED,
    CellKey,
    Relation,
    hierarchy_relations,
    primary_suppressed,
    suppress,
)


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


@dataclass(frozen=True, slots=True)
class Pattern:
    """The outsiders' pattern of one period, the table and relations it came from, and
    what it depends on (``signature``); ``generation`` changes only when it is recomputed."""

    version: datetime
    signature: tuple[frozenset[str], frozenset[CellKey], frozenset[CellKey]]
    values: dict[CellKey, int | None]
    relations: list[Relation]
    hidden: frozenset[CellKey]
    generation: int


def signature(
    values: Mapping[CellKey, int | None],
) -> tuple[frozenset[str], frozenset[CellKey], frozenset[CellKey]]:
    """What a pattern's safety depends on: the units present (the relations), the primary
    cells and the cells not reported. Whether a hidden cell can be worked out depends on
    the relations and the hidden cells only, never on the values."""
    return (
        frozenset(k.unit for k in values),
        frozenset(primary_suppressed(values)),
        frozenset(k for k, v in values.items() if v is None),
    )


def refresh(
    previous: Pattern | None,
    version: datetime,
    values: dict[CellKey, int | None],
    names: Names,
    period: str,
) -> Pattern:
    """The period's pattern for a new data version: the previous one, kept, when the new
    figures leave its signature as it was (a revision that moves no cell into or out of
    1–3 and adds no unit) — it protects exactly as before; else computed anew."""
    sig = signature(values)
    if previous is not None and previous.signature == sig:
        return replace(previous, version=version, values=values)
    relations = period_relations(values, names, period)
    cells = suppress(values, relations)
    hidden = frozenset(k for k, c in cells.items() if c.status == SUPPRESSED)
    generation = 0 if previous is None else previous.generation + 1
    return Pattern(version, sig, values, relations, hidden, generation)
