"""Value types of the reference registry: structures, units, levels and the rejection.

Pure: no I/O. A *structure* is the set of municipality codes valid in a span of periods:
``"2020"`` for 2020-01..2023-12 and ``"2024"`` from 2024-01 on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from contracts.reports import Reason
from contracts.reports import UnitType as UnitType

Level = Literal["district", "municipality", "county", "kostra_group", "nav_office", "nation"]
Structure = Literal["2020", "2024"]

UNIT_TYPES: tuple[UnitType, ...] = ("municipality", "district", "nav_office")
LEVELS: tuple[Level, ...] = (
    "district",
    "municipality",
    "county",
    "kostra_group",
    "nav_office",
    "nation",
)
STRUCTURES: tuple[Structure, ...] = ("2020", "2024")
NATION_CODE = "0"
FIRST_YEAR = 2020
LAST_YEAR = 2030
STRUCTURE_2024_FROM_YEAR = 2024

UNKNOWN_UNIT = Reason.UNKNOWN_UNIT
RETIRED_UNIT = Reason.RETIRED_UNIT


class UnitRejected(Exception):
    """A unit that is not a valid reporting unit at the given period.

    ``reason`` is ``Reason.UNKNOWN_UNIT`` (never existed) or ``Reason.RETIRED_UNIT`` (exists
    in the other municipal structure, not at this period); ``message`` says so in the user's
    terms.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality (kommune) as valid in one structure."""

    code: str
    name: str
    county: str
    county_name: str
    structure: Structure


@dataclass(frozen=True, slots=True)
class District:
    """A city district (bydel) of Oslo, Bergen, Stavanger or Trondheim; valid in both structures."""

    code: str
    name: str
    municipality: str


@dataclass(frozen=True, slots=True)
class NavOffice:
    """A NAV office (enhetsnummer and name) serving at least one area at some period."""

    code: str
    name: str


def other_structure(structure: Structure) -> Structure:
    """The structure that is not ``structure``."""
    return "2024" if structure == "2020" else "2020"


@lru_cache(maxsize=256)
def structure_of(period: str) -> Structure:
    """The municipal structure valid at ``period`` ("YYYY-MM", years 2020..2030).

    Raises ValueError for a malformed period or a year outside the supported span.
    """
    year = period_year(period)
    return "2024" if year >= STRUCTURE_2024_FROM_YEAR else "2020"


def period_year(period: str) -> int:
    """The year of ``period`` ("YYYY-MM"); ValueError if malformed or outside 2020..2030."""
    if len(period) != 7 or period[4] != "-" or not (period[:4] + period[5:]).isdigit():
        raise ValueError(f"period {period!r} is not of the form YYYY-MM")
    year, month = int(period[:4]), int(period[5:])
    if not 1 <= month <= 12:
        raise ValueError(f"period {period!r} has no month {month}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"period {period!r} is outside the supported years {FIRST_YEAR}–{LAST_YEAR}"
        )
    return year
