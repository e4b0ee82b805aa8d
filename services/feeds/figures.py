"""What a feed shows for one unit and month, from suppressed monthly cells (pure).

Derived figures (year to date, rolling 12 months, changes, rates per 1000 inhabitants) are
computed here from the monthly cells, never from unsuppressed sums: a derived figure whose
inputs include a suppressed cell is itself suppressed (``":"``), so it cannot reveal one,
and one with a missing input is missing (``".."``). Status of a month: ``preliminary``
until the reporting deadline (the 20th of the following month), then ``final``, and
``reconciled`` once the compactor sealed its year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts.periods import parse_period, periods_between, shift
from contracts.rules import INDICATORS
from services.feeds.suppression import MISSING, SUPPRESSED, Cell, CellKey

__all__ = [
    "DEADLINE_DAY",
    "INDICATORS",
    "figure_status",
    "month_view",
    "parse_period",
    "per_1000",
    "periods_between",
    "reporting_deadline",
    "shift",
]

DEADLINE_DAY = 20


def reporting_deadline(period: str) -> date:
    """The 20th of the month after ``period``."""
    y, m = parse_period(shift(period, 1))
    return date(y, m, DEADLINE_DAY)


def figure_status(period: str, today: date, sealed_years: Iterable[int]) -> str:
    """``reconciled`` (year sealed), ``final`` (after the deadline) or ``preliminary``."""
    if parse_period(period)[0] in set(sealed_years):
        return "reconciled"
    return "final" if today > reporting_deadline(period) else "preliminary"


@dataclass(frozen=True, slots=True)
class Derived:
    """A derived figure: a value, or None with the status that explains why."""

    value: float | int | None
    status: str | None = None


def _combine(cells: Sequence[Cell]) -> Derived | None:
    """None when every input is published; else the worst status among them."""
    if any(c.status == SUPPRESSED for c in cells):
        return Derived(None, SUPPRESSED)
    if any(c.value is None for c in cells):
        return Derived(None, MISSING)
    return None


def total(cells: Sequence[Cell]) -> Derived:
    """The sum of ``cells``: suppressed if one is, missing if one is."""
    blocked = _combine(cells)
    return blocked or Derived(sum(c.value or 0 for c in cells))


def average(cells: Sequence[Cell]) -> Derived:
    blocked = _combine(cells)
    if blocked is not None:
        return blocked
    return (
        Derived(round(sum(c.value or 0 for c in cells) / len(cells), 2))
        if cells
        else Derived(None, MISSING)
    )


def difference(now: Cell, before: Cell) -> Derived:
    blocked = _combine([now, before])
    return blocked or Derived((now.value or 0) - (before.value or 0))


def per_1000(cell: Cell, population: int | None) -> Derived:
    """``cell`` per 1000 inhabitants, 3 decimals (missing without a population)."""
    blocked = _combine([cell])
    if blocked is not None:
        return blocked
    if not population:
        return Derived(None, MISSING)
    return Derived(round((cell.value or 0) * 1000 / population, 3))


def month_view(
    unit: str,
    period: str,
    cells: Mapping[CellKey, Cell],
    population: int | None,
) -> dict[str, Any]:
    """The figures of ``unit`` at ``period``: the six indicators, year to date, rolling 12
    months, changes and rates. ``cells`` must hold the unit's months back to a year before
    ``period`` (absent months count as not reported)."""

    def cell(p: str, indicator: str) -> Cell:
        return cells.get(CellKey(unit, p, indicator), Cell(None, MISSING))

    year, month = parse_period(period)
    ytd = [f"{year:04d}-{m:02d}" for m in range(1, month + 1)]
    last12 = [shift(period, -i) for i in range(11, -1, -1)]
    derived: dict[str, dict[str, Derived]] = {
        "year_to_date": {
            "kroner_paid": total([cell(p, "kroner_paid") for p in ytd]),
            "recipient_months": total([cell(p, "recipients") for p in ytd]),
            "avg_monthly_recipients": average([cell(p, "recipients") for p in ytd]),
        },
        "rolling_12_months": {
            "kroner_paid": total([cell(p, "kroner_paid") for p in last12]),
            "recipient_months": total([cell(p, "recipients") for p in last12]),
            "avg_monthly_recipients": average([cell(p, "recipients") for p in last12]),
        },
        "change": {
            f"{ind}_vs_{label}": difference(cell(period, ind), cell(shift(period, -back), ind))
            for ind in ("recipients", "kroner_paid")
            for label, back in (("previous_month", 1), ("same_month_last_year", 12))
        },
        "per_1000_inhabitants": {
            ind: per_1000(cell(period, ind), population) for ind in INDICATORS
        },
    }
    view: dict[str, Any] = {
        "indicators": {ind: cell(period, ind).value for ind in INDICATORS},
        "indicator_status": {
            ind: cell(period, ind).status for ind in INDICATORS if cell(period, ind).status
        },
    }
    for group, figures in derived.items():
        view[group] = {name: d.value for name, d in figures.items()}
        statuses = {name: d.status for name, d in figures.items() if d.status}
        if statuses:
            view[f"{group}_status"] = statuses
    return view
