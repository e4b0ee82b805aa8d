"""Reading the bundled reference tables (``contracts/registry/data``) into plain indexes.

Only stdlib ``csv``; every file is UTF-8, ``;``-separated, with a header row and codes as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from contracts.registry.model import District, Municipality, Structure

DATA_DIR = Path(__file__).parent / "data"
BUNDLED_NAV_OFFICES = DATA_DIR / "nav_kontor_geografi_2020.csv"
_POPULATION_PREFIX = "folkemengde_"


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a ``;``-separated UTF-8 CSV file as dicts of stripped strings."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            yield {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}


@dataclass(frozen=True)
class RefTables:
    """The municipal structures, crosswalk, districts, KOSTRA groups and population."""

    municipalities: dict[Structure, dict[str, Municipality]]
    successors: dict[str, tuple[str, ...]]
    predecessors: dict[str, tuple[str, ...]]
    districts: dict[str, District]
    kostra_groups: dict[str, str]
    municipality_population: dict[str, dict[int, int]]
    district_population: dict[str, dict[int, int]]


def _population_columns(row: dict[str, str]) -> dict[int, int]:
    """``{year: population}`` from columns ``folkemengde_YYYY_01_01``."""
    out: dict[int, int] = {}
    for column, value in row.items():
        if column.startswith(_POPULATION_PREFIX) and value:
            out[int(column[len(_POPULATION_PREFIX) :][:4])] = int(value)
    return out


def _municipalities(path: Path, structure: Structure) -> dict[str, Municipality]:
    return {
        row["kommunenummer"]: Municipality(
            code=row["kommunenummer"],
            name=row["kommunenavn"],
            county=row["fylkesnummer"],
            county_name=row["fylkesnavn"],
            structure=structure,
        )
        for row in read_rows(path)
    }


def read_tables(data_dir: Path = DATA_DIR) -> RefTables:
    """Read every bundled table once and build the code indexes."""
    successors: dict[str, list[str]] = {}
    predecessors: dict[str, list[str]] = {}
    for row in read_rows(data_dir / "kommune_crosswalk_2023_2024.csv"):
        old, new = row["kommunenummer_2023"], row["kommunenummer_2024"]
        successors.setdefault(old, []).append(new)
        predecessors.setdefault(new, []).append(old)
    districts: dict[str, District] = {}
    district_population: dict[str, dict[int, int]] = {}
    for row in read_rows(data_dir / "bydeler.csv"):
        code = row["bydelsnummer"]
        districts[code] = District(code, row["bydelsnavn"], row["kommunenummer"])
        district_population[code] = _population_columns(row)
    return RefTables(
        municipalities={
            "2020": _municipalities(data_dir / "municipalities_2020.csv", "2020"),
            "2024": _municipalities(data_dir / "municipalities_2024.csv", "2024"),
        },
        successors={k: tuple(sorted(v)) for k, v in successors.items()},
        predecessors={k: tuple(sorted(v)) for k, v in predecessors.items()},
        districts=districts,
        kostra_groups={
            row["kommunenummer"]: row["kostragruppe_kode"]
            for row in read_rows(data_dir / "kostragrupper.csv")
        },
        municipality_population={
            row["kommunenummer"]: _population_columns(row)
            for row in read_rows(data_dir / "population_municipalities_2024_2025.csv")
        },
        district_population=district_population,
    )
