"""Population per level and code, derived once from the bundled tables.

Population is known for 1 January 2024 and 2025 in the 2024 structure. A 2020–2023 code
gets the sum of its 2024 successors (1507 Ålesund = 1508 Ålesund + 1580 Haram); counties,
KOSTRA groups, NAV offices and the nation are sums of their municipalities and districts.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.registry.model import NATION_CODE, STRUCTURES, Level, Structure
from contracts.registry.nav_mapping import NavMapping
from contracts.registry.tables import RefTables

ByYear = dict[int, int]
PopulationIndex = dict[tuple[Level, str], ByYear]


def nearest_year(by_year: ByYear, year: int) -> int | None:
    """The year with data nearest to ``year`` (the earlier on a tie), or None without data."""
    if not by_year:
        return None
    return min(by_year, key=lambda y: (abs(y - year), y))


def add_up(parts: Iterable[ByYear]) -> ByYear:
    """Sum population series over the years every part has."""
    parts = list(parts)
    if not parts:
        return {}
    years = set.intersection(*(set(p) for p in parts))
    return {y: sum(p[y] for p in parts) for y in sorted(years)}


def municipality_population(tables: RefTables, code: str) -> ByYear:
    """Population of a municipality of either structure (2020 codes through the crosswalk)."""
    if code in tables.municipality_population:
        return tables.municipality_population[code]
    successors = tables.successors.get(code, ())
    return add_up(tables.municipality_population.get(s, {}) for s in successors)


def build_population_index(tables: RefTables) -> PopulationIndex:
    """Population for municipality, district, county, kostra_group and nation levels."""
    index: PopulationIndex = {}
    for structure in STRUCTURES:
        counties: dict[str, list[ByYear]] = {}
        for code, m in tables.municipalities[structure].items():
            by_year = municipality_population(tables, code)
            index[("municipality", code)] = by_year
            counties.setdefault(m.county, []).append(by_year)
        for county, parts in counties.items():
            index.setdefault(("county", county), add_up(parts))
    for code, by_year in tables.district_population.items():
        index[("district", code)] = by_year
    groups: dict[str, list[ByYear]] = {}
    for code, group in tables.kostra_groups.items():
        groups.setdefault(group, []).append(tables.municipality_population.get(code, {}))
    for group, parts in groups.items():
        index[("kostra_group", group)] = add_up(parts)
    index[("nation", NATION_CODE)] = add_up(tables.municipality_population.values())
    return index


def office_population(
    index: PopulationIndex, nav: NavMapping, structure: Structure, office: str
) -> ByYear:
    """Population of the areas a NAV office serves in ``structure``."""
    areas = nav.areas_of_office[structure].get(office, ())
    return add_up(index.get(area, {}) for area in areas)
