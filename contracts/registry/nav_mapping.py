"""The NAV office mapping: which office serves which municipality or district.

The mapping is configuration an operator can replace (``Registry.load(nav_offices=...)`` or
env ``SOSIALPULS_NAV_OFFICES``): a ``;``-separated UTF-8 CSV in the format of the bundled
``nav_kontor_geografi_2020.csv``. Columns used (others are ignored):

- ``geografisk_tilknytning`` — a 4-digit municipality code (2020–2023 or 2024 structure) or
  a 6-digit district code;
- ``enhetsnummer`` — the office's 4-digit number; ``enhetsnavn`` — its name;
- ``kommunenummer_2024`` (optional) — for a 2020–2023 code, its 2024 code(s), ``|``-separated;
  when empty or absent the crosswalk decides.

A row naming a code of one structure also covers that municipality's counterpart in the
other structure through the crosswalk, unless another row names the counterpart itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts.registry.model import STRUCTURES, NavOffice, Structure, UnitType
from contracts.registry.tables import RefTables, read_rows

Area = tuple[UnitType, str]
REQUIRED_COLUMNS = ("geografisk_tilknytning", "enhetsnummer", "enhetsnavn")


class NavOfficeFileError(ValueError):
    """The NAV office file is not in the expected format or names unknown codes."""


@dataclass(frozen=True)
class NavMapping:
    """Offices and, per structure, the office serving each area and the areas of each office."""

    source: Path
    offices: dict[str, NavOffice]
    office_of_area: dict[Structure, dict[Area, str]]
    areas_of_office: dict[Structure, dict[str, tuple[Area, ...]]]


def read_nav_mapping(path: Path, tables: RefTables) -> NavMapping:
    """Read and check a NAV office file; raise NavOfficeFileError naming file and line."""
    explicit: dict[Structure, dict[Area, str]] = {s: {} for s in STRUCTURES}
    derived: dict[Structure, dict[Area, str]] = {s: {} for s in STRUCTURES}
    offices: dict[str, NavOffice] = {}
    try:
        rows = list(read_rows(path))
    except (OSError, UnicodeDecodeError) as e:
        raise NavOfficeFileError(f"cannot read NAV office file {path}: {e}") from e
    if rows and (missing := [c for c in REQUIRED_COLUMNS if c not in rows[0]]):
        raise NavOfficeFileError(f"{path}: missing column(s) {', '.join(missing)}")
    for line_no, row in enumerate(rows, start=2):
        where = f"{path}:{line_no}"
        office, area = row["enhetsnummer"], row["geografisk_tilknytning"]
        if len(office) != 4 or not office.isdigit():
            raise NavOfficeFileError(f"{where}: enhetsnummer {office!r} is not 4 digits")
        offices.setdefault(office, NavOffice(office, row["enhetsnavn"]))
        if len(area) == 6 and area in tables.districts:
            for s in STRUCTURES:
                explicit[s][("district", area)] = office
        elif len(area) == 4:
            _assign_municipality(where, area, office, row, tables, explicit, derived)
        else:
            raise NavOfficeFileError(f"{where}: {area!r} is no known municipality or district")
    office_of_area = {s: {**derived[s], **explicit[s]} for s in STRUCTURES}
    return NavMapping(path, offices, office_of_area, _invert(office_of_area))


def _assign_municipality(
    where: str,
    code: str,
    office: str,
    row: dict[str, str],
    tables: RefTables,
    explicit: dict[Structure, dict[Area, str]],
    derived: dict[Structure, dict[Area, str]],
) -> None:
    m = tables.municipalities
    if code not in m["2020"] and code not in m["2024"]:
        raise NavOfficeFileError(f"{where}: municipality {code} exists in no structure")
    for s in STRUCTURES:
        if code in m[s]:
            explicit[s][("municipality", code)] = office
    if code not in m["2024"]:
        listed = [c for c in row.get("kommunenummer_2024", "").split("|") if c]
        for new in listed or tables.successors.get(code, ()):
            if new not in m["2024"]:
                raise NavOfficeFileError(f"{where}: {new} is not a 2024 municipality")
            derived["2024"].setdefault(("municipality", new), office)
    if code not in m["2020"]:
        for old in tables.predecessors.get(code, ()):
            derived["2020"].setdefault(("municipality", old), office)


def _invert(
    office_of_area: dict[Structure, dict[Area, str]],
) -> dict[Structure, dict[str, tuple[Area, ...]]]:
    out: dict[Structure, dict[str, tuple[Area, ...]]] = {}
    for s, mapping in office_of_area.items():
        grouped: dict[str, list[Area]] = {}
        for area, office in mapping.items():
            grouped.setdefault(office, []).append(area)
        out[s] = {office: tuple(sorted(areas)) for office, areas in grouped.items()}
    return out
