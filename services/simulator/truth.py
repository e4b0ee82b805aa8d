"""What the system must end up showing: final unit-month values and every rollup. Pure.

Rollups follow docs/interfaces.md: the municipal hierarchy sums the municipality and
district reports that were delivered (a unit that never reported a month is simply absent
from that month's sums); a NAV office's figure is its own report when it made one,
otherwise the sum of the areas it serves once all of them have reported.
"""

from __future__ import annotations

from contracts.registry import Registry
from services.simulator.indicators import Values, add, zero

Table = dict[str, dict[str, Values]]
"""code or unit key → period → the six indicators."""


def _accumulate(
    target: dict[str, Table], level: str, code: str, period: str, values: Values
) -> None:
    cell = target.setdefault(level, {}).setdefault(code, {}).setdefault(period, zero())
    add(cell, values)


def rollups(reported: Table, registry: Registry, periods: list[str]) -> dict[str, Table]:
    """``level → code → period → values`` for district, municipality, county, kostra_group,
    nation and nav_office, from the final reported values of every unit (key ``type:code``)."""
    out: dict[str, Table] = {}
    for key in sorted(reported):
        unit_type, code = key.split(":")
        if unit_type == "nav_office":
            continue
        for period, values in sorted(reported[key].items()):
            _accumulate(out, unit_type, code, period, values)
            for level, parent in registry.rollups_of(unit_type, code, period):
                if level != "nav_office":
                    _accumulate(out, level, parent, period, values)
    offices: Table = {}
    for period in periods:
        for office in registry.expected_units(period, "nav_office"):
            value = office_value(reported, registry, office, period)
            if value is not None:
                offices.setdefault(office, {})[period] = value
    out["nav_office"] = offices
    return out


def office_value(reported: Table, registry: Registry, office: str, period: str) -> Values | None:
    """A NAV office's figure for ``period``: own report, else the complete sum of its areas."""
    own = reported.get(f"nav_office:{office}", {}).get(period)
    if own is not None:
        return dict(own)
    areas = registry.areas_of_office(office, period)
    if not areas:
        return None
    total = zero()
    for unit_type, code in areas:
        values = reported.get(f"{unit_type}:{code}", {}).get(period)
        if values is None:
            return None
        add(total, values)
    return total
