"""``Registry``: which reporting units exist at a period and what they roll up to.

Built once per NAV office file (``Registry.load``); every query is a dict lookup.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from contracts.registry import messages
from contracts.registry.model import (
    NATION_CODE,
    RETIRED_UNIT,
    STRUCTURES,
    UNIT_TYPES,
    UNKNOWN_UNIT,
    District,
    Level,
    Municipality,
    NavOffice,
    Structure,
    UnitRejected,
    structure_of,
)
from contracts.registry.nav_mapping import Area, NavMapping, read_nav_mapping
from contracts.registry.population import (
    build_population_index,
    municipality_population,
    nearest_year,
    office_population,
)
from contracts.registry.tables import BUNDLED_NAV_OFFICES, RefTables, read_tables

NAV_OFFICES_ENV = "SOSIALPULS_NAV_OFFICES"
Rollup = tuple[Level, str]


class Registry:
    """Reference data for municipalities, districts, NAV offices and their rollups."""

    def __init__(self, tables: RefTables, nav: NavMapping) -> None:
        self._t = tables
        self._nav = nav
        self._kostra = {s: self._kostra_groups(s) for s in STRUCTURES}
        self._population = build_population_index(tables)
        self._rollups = {s: self._all_rollups(s) for s in STRUCTURES}
        self._expected = {s: self._all_expected(s) for s in STRUCTURES}

    @classmethod
    def load(cls, nav_offices: Path | None = None) -> Registry:
        """The registry, with the NAV office mapping from ``nav_offices``, else from env
        ``SOSIALPULS_NAV_OFFICES``, else the bundled file. Cached per file path."""
        if nav_offices is None:
            env = os.environ.get(NAV_OFFICES_ENV)
            nav_offices = Path(env) if env else BUNDLED_NAV_OFFICES
        return _load(nav_offices.resolve())

    @property
    def nav_offices_source(self) -> Path:
        """The NAV office file this registry was built from."""
        return self._nav.source

    # --- units valid at a period -------------------------------------------------------

    def municipalities(self, period: str) -> list[Municipality]:
        """Municipalities valid at ``period``, by code."""
        by_code = self._t.municipalities[structure_of(period)]
        return [by_code[c] for c in self._expected[structure_of(period)]["municipality"]]

    def districts(self, period: str) -> list[District]:
        """City districts (Oslo, Bergen, Stavanger, Trondheim), by code."""
        return [self._t.districts[c] for c in self._expected[structure_of(period)]["district"]]

    def nav_offices(self, period: str) -> list[NavOffice]:
        """NAV offices serving at least one area at ``period``, by code."""
        codes = self._expected[structure_of(period)]["nav_office"]
        return [self._nav.offices[c] for c in codes]

    def expected_units(self, period: str, level: Level) -> list[str]:
        """Codes of every unit of ``level`` at ``period`` (nation: ``["0"]``)."""
        return list(self._expected[structure_of(period)][level])

    def check_unit(self, unit_type: str, code: str, period: str) -> None:
        """Raise ``UnitRejected`` unless ``code`` is a valid ``unit_type`` at ``period``."""
        s = structure_of(period)
        if unit_type == "municipality":
            self._check_municipality(code, period, s)
        elif unit_type == "district":
            if code not in self._t.districts:
                raise UnitRejected(UNKNOWN_UNIT, messages.unknown_district(code))
        elif unit_type == "nav_office":
            if code in self._nav.areas_of_office[s]:
                return
            if code in self._nav.offices:
                raise UnitRejected(RETIRED_UNIT, messages.idle_office(code, period))
            raise UnitRejected(UNKNOWN_UNIT, messages.unknown_office(code))
        else:
            raise UnitRejected(UNKNOWN_UNIT, messages.unknown_unit_type(unit_type, UNIT_TYPES))

    def is_valid(self, unit_type: str, code: str, period: str) -> bool:
        """Whether ``check_unit`` passes (False also for an unsupported period)."""
        try:
            self.check_unit(unit_type, code, period)
        except (UnitRejected, ValueError):
            return False
        return True

    # --- hierarchy ---------------------------------------------------------------------

    def county_of(self, municipality_code: str, period: str) -> str:
        """The 2-digit county (fylke) of a municipality valid at ``period``."""
        self._check_municipality(municipality_code, period, structure_of(period))
        return self._t.municipalities[structure_of(period)][municipality_code].county

    def kostra_group_of(self, municipality_code: str, period: str) -> str | None:
        """The KOSTRA group ("EKG13") of a municipality valid at ``period``.

        2020–2023 codes take their 2024 successor's group; 1507 Ålesund (split) takes the
        group of its most populous successor, 1508 Ålesund."""
        self._check_municipality(municipality_code, period, structure_of(period))
        return self._kostra[structure_of(period)].get(municipality_code)

    def nav_office_of(self, unit_type: str, code: str, period: str) -> str | None:
        """The NAV office serving a municipality or district at ``period``; an office is its
        own. None where the mapping has no office for the unit itself (the four cities are
        served per district; Marka has no office)."""
        self.check_unit(unit_type, code, period)
        if unit_type == "nav_office":
            return code
        return self._nav.office_of_area[structure_of(period)].get(_area(unit_type, code))

    def areas_of_office(self, office: str, period: str) -> list[Area]:
        """The municipalities and districts ``office`` serves at ``period``."""
        return list(self._nav.areas_of_office[structure_of(period)].get(office, ()))

    def municipality_of_district(self, district_code: str) -> str:
        """The municipality a district belongs to (same code in both structures)."""
        if district_code not in self._t.districts:
            raise UnitRejected(UNKNOWN_UNIT, messages.unknown_district(district_code))
        return self._t.districts[district_code].municipality

    def rollups_of(self, unit_type: str, code: str, period: str) -> list[Rollup]:
        """Every rollup the unit's figure feeds at ``period`` (not its own level).

        district → municipality, county, kostra_group, nation, nav_office;
        municipality → county, kostra_group, nation, nav_office; nav_office → []."""
        self.check_unit(unit_type, code, period)
        return list(self._rollups[structure_of(period)].get(_area(unit_type, code), ()))

    def successors(self, old_code: str) -> list[str]:
        """2024 code(s) of a 2020–2023 municipality code ("1507" → ["1508", "1580"])."""
        return list(self._t.successors.get(old_code, ()))

    def predecessors(self, new_code: str) -> list[str]:
        """2020–2023 code(s) of a 2024 municipality code ("3101" → ["3001"])."""
        return list(self._t.predecessors.get(new_code, ()))

    def population(self, level: Level, code: str, year: int) -> int | None:
        """Population on 1 January of ``year`` (nearest year with data) of a unit of
        ``level``; codes of either municipal structure; None for an unknown code."""
        if level == "nav_office":
            s: Structure = "2024" if year >= 2024 else "2020"
            by_year = office_population(self._population, self._nav, s, code)
        else:
            by_year = self._population.get((level, code), {})
        best = nearest_year(by_year, year)
        return None if best is None else by_year[best]

    # --- construction ------------------------------------------------------------------

    def _check_municipality(self, code: str, period: str, s: Structure) -> None:
        if code in self._t.municipalities[s]:
            return
        if s == "2024" and code in self._t.successors:
            new = self._t.municipalities["2024"]
            named = [(c, new[c].name) for c in self._t.successors[code]]
            raise UnitRejected(RETIRED_UNIT, messages.retired_before(code, period, named))
        if s == "2020" and code in self._t.predecessors:
            old = self._t.predecessors[code]
            raise UnitRejected(RETIRED_UNIT, messages.not_yet(code, period, old))
        raise UnitRejected(UNKNOWN_UNIT, messages.unknown_municipality(code))

    def _kostra_groups(self, s: Structure) -> dict[str, str]:
        groups = self._t.kostra_groups
        out: dict[str, str] = {}
        for code in self._t.municipalities[s]:
            if code in groups:
                out[code] = groups[code]
                continue
            successors = [c for c in self._t.successors.get(code, ()) if c in groups]
            if successors:
                largest = max(successors, key=lambda c: _latest(self._t, c))
                out[code] = groups[largest]
        return out

    def _all_rollups(self, s: Structure) -> dict[Area, tuple[Rollup, ...]]:
        office_of = self._nav.office_of_area[s]
        out: dict[Area, tuple[Rollup, ...]] = {}
        municipal: dict[str, list[Rollup]] = {}
        for code, m in self._t.municipalities[s].items():
            up: list[Rollup] = [("county", m.county)]
            if group := self._kostra[s].get(code):
                up.append(("kostra_group", group))
            up.append(("nation", NATION_CODE))
            municipal[code] = up
            office = office_of.get(("municipality", code))
            out[("municipality", code)] = (*up, *_office_rollup(office))
        for code, d in self._t.districts.items():
            office = office_of.get(("district", code))
            up = [("municipality", d.municipality), *municipal.get(d.municipality, [])]
            out[("district", code)] = (*up, *_office_rollup(office))
        for office in self._nav.areas_of_office[s]:
            out[("nav_office", office)] = ()
        return out

    def _all_expected(self, s: Structure) -> dict[Level, tuple[str, ...]]:
        municipalities = self._t.municipalities[s]
        return {
            "municipality": tuple(sorted(municipalities)),
            "district": tuple(sorted(self._t.districts)),
            "nav_office": tuple(sorted(self._nav.areas_of_office[s])),
            "county": tuple(sorted({m.county for m in municipalities.values()})),
            "kostra_group": tuple(sorted(set(self._kostra[s].values()))),
            "nation": (NATION_CODE,),
        }


def _area(unit_type: str, code: str) -> Area:
    for known in UNIT_TYPES:
        if unit_type == known:
            return (known, code)
    raise UnitRejected(UNKNOWN_UNIT, messages.unknown_unit_type(unit_type, UNIT_TYPES))


def _office_rollup(office: str | None) -> tuple[Rollup, ...]:
    return () if office is None else (("nav_office", office),)


def _latest(tables: RefTables, code: str) -> int:
    by_year = municipality_population(tables, code)
    return by_year[max(by_year)] if by_year else 0


@lru_cache(maxsize=1)
def _tables() -> RefTables:
    return read_tables()


@lru_cache(maxsize=16)
def _load(nav_offices: Path) -> Registry:
    tables = _tables()
    return Registry(tables, read_nav_mapping(nav_offices, tables))
