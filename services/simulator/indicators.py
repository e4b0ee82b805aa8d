"""The six monthly indicators of each area, computed from the microdata. Pure.

Subgroups use the person's last-contact values (children, main livelihood) and the SSB age
definition (year − birth year), exactly as they are derived from Skjema 11F, so the monthly
figures and the form-derived figures agree person by person.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.reports import INDICATORS
from services.simulator.microdata import Person

Values = dict[str, int]
"""The six indicators of one unit-month, by name."""


def zero() -> Values:
    """All six indicators at zero."""
    return dict.fromkeys(INDICATORS, 0)


def period(year: int, month_index: int) -> str:
    """``"YYYY-MM"`` for month index 0–11."""
    return f"{year}-{month_index + 1:02d}"


def area_months(people: Iterable[Person], n_areas: int, year: int) -> list[list[Values]]:
    """``result[area][month]``: the six indicators of every area and month (0 = January)."""
    table = [[zero() for _ in range(12)] for _ in range(n_areas)]
    for person in people:
        row = table[person.area]
        young = year - person.birth.year < 30
        children = person.children > 0
        livelihood = person.vklo == "5"
        months, bidrag, laan = person.months, person.bidrag, person.laan
        for m in range(12):
            if months >> m & 1:
                cell = row[m]
                cell["recipients"] += 1
                if children:
                    cell["recipients_with_children"] += 1
                if livelihood:
                    cell["recipients_main_livelihood"] += 1
                if young:
                    cell["recipients_under_30"] += 1
                cell["kroner_paid"] += bidrag[m] + laan[m]
        if person.qp_months:
            for m in range(12):
                if person.qp_months >> m & 1:
                    row[m]["qp_participants"] += 1
    return table


def add(total: Values, part: Values) -> None:
    """Add ``part`` into ``total`` in place."""
    for name in INDICATORS:
        total[name] += part[name]
