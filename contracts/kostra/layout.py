"""SSB's fixed-width layouts for KOSTRA Skjema 11F and 11CF, loaded from the bundled YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

import yaml

LAYOUT_DIR = Path(__file__).parent / "layouts"
FORMS: tuple[str, ...] = ("11F", "11CF")
YEARS: tuple[int, ...] = (2024, 2025, 2026)

FieldType = Literal["string", "integer", "date"]
_TYPES: dict[str, FieldType] = {
    "STRING_TYPE": "string",
    "INTEGER_TYPE": "integer",
    "DATE_TYPE": "date",
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a record: 1-based ``start`` column and ``size`` characters."""

    name: str
    start: int
    size: int
    type: FieldType
    mandatory: bool = False
    date_pattern: str = ""

    @property
    def slice(self) -> slice:
        """The field's columns as a 0-based slice of a record line."""
        return slice(self.start - 1, self.start - 1 + self.size)


@dataclass(frozen=True)
class Layout:
    """The record layout of one form for one reporting year.

    Derived views (``names``, ``record_length``, ``positions``, ``blank_cells``) are
    computed once per layout and kept, so encoding a record does not rebuild them.
    """

    form: str
    year: int
    fields: tuple[FieldSpec, ...]

    @cached_property
    def record_length(self) -> int:
        """Characters per record (line terminator excluded)."""
        return max(f.start + f.size - 1 for f in self.fields)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Field names in column order."""
        return tuple(f.name for f in self.fields)

    @cached_property
    def positions(self) -> Mapping[str, int]:
        """The index in ``fields`` of each field name (its first field if repeated)."""
        found: dict[str, int] = {}
        for index, spec in enumerate(self.fields):
            found.setdefault(spec.name, index)
        return found

    @cached_property
    def blank_cells(self) -> tuple[str, ...]:
        """Each field's cell when it has no value: ``size`` spaces, in column order."""
        return tuple(" " * f.size for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        """The field called ``name``; KeyError when the layout has none."""
        index = self.positions.get(name)
        if index is None:
            raise KeyError(f"layout {self.form} {self.year} has no field {name}")
        return self.fields[index]


def _field_from_yaml(entry: dict[str, object]) -> FieldSpec:
    data_type = str(entry["dataType"])
    if data_type not in _TYPES:
        raise ValueError(f"field {entry['name']}: unknown dataType {data_type}")
    start, size = entry["from"], entry["size"]
    if not isinstance(start, int) or not isinstance(size, int) or start < 1 or size < 1:
        raise ValueError(f"field {entry['name']}: bad from/size {start}/{size}")
    return FieldSpec(
        name=str(entry["name"]),
        start=start,
        size=size,
        type=_TYPES[data_type],
        mandatory=bool(entry.get("mandatory", False)),
        date_pattern=str(entry.get("datePattern") or ""),
    )


def _check_tiling(layout: Layout) -> None:
    """Fields must cover the record without gaps or overlaps."""
    column = 1
    for spec in layout.fields:
        if spec.start != column:
            raise ValueError(
                f"layout {layout.form} {layout.year}: field {spec.name} starts at "
                f"{spec.start}, expected {column}"
            )
        column += spec.size


def parse_layout(text: str) -> Layout:
    """A layout from the text of one of SSB's ``file_description_*.yaml`` files."""
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or not isinstance(document.get("fields"), list):
        raise ValueError("not a KOSTRA file description: no 'fields' list")
    fields = tuple(
        sorted((_field_from_yaml(entry) for entry in document["fields"]), key=lambda f: f.start)
    )
    layout = Layout(form=str(document["id"]), year=int(document["reportingYear"]), fields=fields)
    _check_tiling(layout)
    return layout


@cache
def load_layout(form: str, year: int) -> Layout:
    """The bundled layout of ``form`` ("11F" or "11CF") for reporting ``year`` (2024-2026)."""
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; known: {', '.join(FORMS)}")
    path = LAYOUT_DIR / f"{form}_{year}.yaml"
    if not path.is_file():
        raise ValueError(f"no layout for form {form} in {year}; known years: {YEARS}")
    layout = parse_layout(path.read_text(encoding="utf-8"))
    if (layout.form, layout.year) != (form, year):
        raise ValueError(f"{path.name} describes {layout.form} {layout.year}")
    return layout
