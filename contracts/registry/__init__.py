"""Reference registry: municipalities (2020–2023 and 2024 structures), districts, NAV
offices, counties, KOSTRA groups, population, and the rollups each reporting unit feeds.

Usage: ``registry = Registry.load()``; see docs/interfaces.md, section contracts.registry.
Data and attribution: ``contracts/registry/data/README.md``.
"""

from contracts.registry.model import (
    LEVELS,
    NATION_CODE,
    RETIRED_UNIT,
    UNIT_TYPES,
    UNKNOWN_UNIT,
    District,
    Level,
    Municipality,
    NavOffice,
    UnitRejected,
    UnitType,
    structure_of,
)
from contracts.registry.nav_mapping import NavOfficeFileError
from contracts.registry.registry import NAV_OFFICES_ENV, Registry
from contracts.registry.tables import DATA_DIR

__all__ = [
    "DATA_DIR",
    "LEVELS",
    "NATION_CODE",
    "NAV_OFFICES_ENV",
    "RETIRED_UNIT",
    "UNIT_TYPES",
    "UNKNOWN_UNIT",
    "District",
    "Level",
    "Municipality",
    "NavOffice",
    "NavOfficeFileError",
    "Registry",
    "UnitRejected",
    "UnitType",
    "structure_of",
]
