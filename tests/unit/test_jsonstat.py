"""JSON-stat 2.0 and CSV export: valid by a third-party validator, same numbers via pyjstat."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonstat_validator import validate_jsonstat
from pyjstat import pyjstat

from services.feeds.jsonstat import CSV_HEADER, build_csv, build_dataset
from services.feeds.suppression import Cell, CellKey, suppress

UNITS = ["nation:0", "county:03", "county:46"]
NAMES = {"nation:0": "Hele landet", "county:03": "Oslo", "county:46": "Vestland"}
PERIODS = ["2025-01", "2025-02"]
INDICATORS = ["recipients", "kroner_paid"]


def sample_cells() -> dict[CellKey, Cell]:
    values: dict[CellKey, int | None] = {}
    for i, unit in enumerate(UNITS):
        for j, period in enumerate(PERIODS):
            values[CellKey(unit, period, "recipients")] = 100 * (i + 1) + j
            values[CellKey(unit, period, "kroner_paid")] = 10_000 * (i + 1) + j
    values[CellKey("county:46", "2025-02", "recipients")] = 2
    values[CellKey("county:46", "2025-01", "kroner_paid")] = None
    return suppress(values)


def read_back(dataset: dict[str, Any]) -> dict[tuple[str, str, str], float | None]:
    """The numbers as pyjstat (a third-party reader) sees them, keyed by ids."""
    frame = pyjstat.Dataset.read(json.dumps(dataset)).write("dataframe", naming="id")
    out: dict[tuple[str, str, str], float | None] = {}
    for row in frame.to_dict("records"):
        value = row["value"]
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        out[(row["unit"], row["time"], row["indicator"])] = None if missing else float(value)
    return out


def test_dataset_validates_against_json_stat_2() -> None:
    dataset = build_dataset(sample_cells(), UNITS, PERIODS, INDICATORS, NAMES)
    assert validate_jsonstat(dataset)
    assert dataset["role"] == {"geo": ["unit"], "time": ["time"], "metric": ["indicator"]}
    assert dataset["size"] == [3, 2, 2]


def test_pyjstat_reads_the_same_numbers_and_suppressed_cells_are_null() -> None:
    cells = sample_cells()
    dataset = build_dataset(cells, UNITS, PERIODS, INDICATORS, NAMES)
    seen = read_back(dataset)
    assert len(seen) == len(cells)
    for key, cell in cells.items():
        expected = None if cell.value is None else float(cell.value)
        assert seen[(key.unit, key.period, key.indicator)] == expected
    suppressed = CellKey("county:46", "2025-02", "recipients")
    index = (2 * 2 + 1) * 2 + 0
    assert dataset["value"][index] is None and dataset["status"][str(index)] == ":"
    assert cells[CellKey("county:46", "2025-02", "kroner_paid")].status == ":"
    assert cells[suppressed].value is None


def test_csv_has_codes_names_and_statuses() -> None:
    text = build_csv(sample_cells(), UNITS, PERIODS, INDICATORS, NAMES)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert tuple(rows[0]) == CSV_HEADER
    assert ["county", "46", "Vestland", "2025-02", "recipients", "", ":"] in rows
    assert ["county", "46", "Vestland", "2025-01", "kroner_paid", "", ".."] in rows
    assert ["nation", "0", "Hele landet", "2025-01", "recipients", "100", ""] in rows
    assert len(rows) == 1 + 3 * 2 * 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(0, 10**9)), min_size=12, max_size=12),
)
def test_any_table_round_trips_through_pyjstat(numbers: list[int | None]) -> None:
    keys = [CellKey(u, p, i) for u in UNITS for p in PERIODS for i in INDICATORS]
    cells = suppress(dict(zip(keys, numbers, strict=True)))
    dataset = build_dataset(cells, UNITS, PERIODS, INDICATORS, NAMES)
    assert validate_jsonstat(dataset)
    seen = read_back(dataset)
    for key, cell in cells.items():
        got = seen[(key.unit, key.period, key.indicator)]
        assert got == (None if cell.value is None else pytest.approx(cell.value))


def test_dataset_explains_the_symbols_and_counts_hidden_cells_per_month() -> None:
    dataset = build_dataset(sample_cells(), UNITS, PERIODS, INDICATORS, NAMES)
    assert validate_jsonstat(dataset)
    assert any(n.startswith(": = færre enn 4 personer") for n in dataset["note"])
    assert ".. = ikke rapportert" in dataset["note"]
    assert dataset["extension"]["suppressed_cells"] == {"2025-01": 0, "2025-02": 2}
