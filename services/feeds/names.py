"""Unit names and the municipal hierarchy, from the registry (no I/O beyond it)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from contracts.registry import Registry

NATION = "Hele landet"


class Names:
    """Names of units at a period, and which units a rollup is the sum of."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._cached = lru_cache(maxsize=64)(self._names)

    def _names(self, period: str) -> dict[str, str]:
        reg = self.registry
        names = {"nation:0": NATION}
        for m in reg.municipalities(period):
            names[f"municipality:{m.code}"] = m.name
            names[f"county:{m.county}"] = m.county_name
        for d in reg.districts(period):
            names[f"district:{d.code}"] = d.name
        for o in reg.nav_offices(period):
            names[f"nav_office:{o.code}"] = o.name
        return names

    def names(self, period: str) -> dict[str, str]:
        """``{"county:03": "Oslo", ...}`` for every unit valid at ``period``."""
        return self._cached(period)

    def name(self, unit: str, period: str) -> str:
        return self.names(period).get(unit, unit.split(":", 1)[-1])

    def parent(self, unit: str, period: str) -> str | None:
        """The unit's parent in the municipal hierarchy (district → municipality →
        county → nation), or None."""
        level, _, code = unit.partition(":")
        try:
            if level == "district":
                return f"municipality:{self.registry.municipality_of_district(code)}"
            if level == "municipality":
                return f"county:{self.registry.county_of(code, period)}"
        except (KeyError, LookupError, ValueError):
            return None
        if level == "county":
            return "nation:0"
        return None

    def group_of(self, municipality: str, period: str) -> str | None:
        try:
            return self.registry.kostra_group_of(municipality, period)
        except (KeyError, LookupError, ValueError):
            return None


def hierarchy(units: Sequence[str], names: Names, period: str) -> dict[str, list[str]]:
    """``{parent: [children]}`` among ``units`` (both present) at ``period``."""
    present = set(units)
    children: dict[str, list[str]] = {}
    for unit in units:
        parent = names.parent(unit, period)
        if parent is not None and parent in present:
            children.setdefault(parent, []).append(unit)
    return children


def all_parents(unit: str, names: Names, period: str) -> list[str]:
    """Every published total ``unit`` is a part of: its municipal parent, and for a
    municipality its KOSTRA group, for a municipality or district its NAV office."""
    out = [p] if (p := names.parent(unit, period)) is not None else []
    level, _, code = unit.partition(":")
    if level == "municipality" and (group := names.group_of(code, period)):
        out.append(f"kostra_group:{group}")
    if level in ("municipality", "district"):
        try:
            office = names.registry.nav_office_of(level, code, period)
        except (KeyError, LookupError, ValueError):
            office = None
        if office:
            out.append(f"nav_office:{office}")
    return out


def all_relations(units: Sequence[str], names: Names, period: str) -> dict[str, list[str]]:
    """``{total: [parts]}`` among ``units`` at ``period``: every published additive
    relation — the municipal tree (district → municipality → county → nation), the KOSTRA
    groups (sums of municipalities) and the NAV offices (sums of the municipalities and
    districts they serve). Groups and offices cross the tree; the secondary suppression
    must see them all, or a cell hidden in the tree is given away by an office total."""
    present = set(units)
    children: dict[str, list[str]] = {}
    for unit in units:
        for parent in all_parents(unit, names, period):
            if parent in present:
                children.setdefault(parent, []).append(unit)
    return children
