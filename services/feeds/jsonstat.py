"""JSON-stat 2.0 datasets and ``;``-separated CSV from suppressed cells (pure).

Both exports take the output of :func:`services.feeds.suppression.suppress` — a mapping
``CellKey -> Cell`` — so nothing leaves unsuppressed by accident. Units are keys
``"<level>:<code>"`` (``"county:03"``); names come from ``unit_names``.

The dataset has the dimensions ``unit`` (role geo), ``time`` (role time) and ``indicator``
(role metric), ``value`` as a dense array in row-major order (indicator fastest) and
``status`` as a sparse object: ``":"`` for a suppressed cell, ``".."`` for one not reported.
``note`` explains the two symbols (bokmål) and ``extension.suppressed_cells`` counts the
``":"`` cells of each period in the dataset.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from services.feeds.suppression import Cell, CellKey

INDICATOR_LABELS: dict[str, str] = {
    "recipients": "Mottakere av økonomisk sosialhjelp",
    "recipients_with_children": "Mottakere med forsørgeransvar for barn under 18 år",
    "recipients_main_livelihood": "Mottakere med sosialhjelp som hovedinntektskilde",
    "recipients_under_30": "Mottakere under 30 år",
    "kroner_paid": "Utbetalt økonomisk sosialhjelp (kr)",
    "qp_participants": "Deltakere i kvalifiseringsprogrammet",
}
CSV_HEADER = ("level", "code", "name", "period", "indicator", "value", "status")
LEGEND: tuple[str, ...] = (
    ": = færre enn 4 personer, eller skjult slik at et slikt tall ikke kan regnes ut",
    ".. = ikke rapportert",
)


def unit_label(unit: str, unit_names: Mapping[str, str]) -> str:
    """The name of a unit key, or its code when the name is unknown."""
    return unit_names.get(unit) or unit.split(":", 1)[-1]


def build_dataset(
    cells: Mapping[CellKey, Cell],
    units: Sequence[str],
    periods: Sequence[str],
    indicators: Sequence[str],
    unit_names: Mapping[str, str],
    *,
    label: str = "Økonomisk sosialhjelp per måned",
    updated: str | None = None,
) -> dict[str, Any]:
    """A JSON-stat 2.0 ``dataset`` over ``units × periods × indicators``.

    A cell absent from ``cells`` is published as not reported (``".."``).
    """
    values: list[int | None] = []
    status: dict[str, str] = {}
    hidden = dict.fromkeys(periods, 0)
    for unit in units:
        for period in periods:
            for indicator in indicators:
                cell = cells.get(CellKey(unit, period, indicator), Cell(None, ".."))
                if cell.status is not None:
                    status[str(len(values))] = cell.status
                    hidden[period] += cell.status == ":"
                values.append(cell.value)
    dataset: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": "sosialpuls",
        "id": ["unit", "time", "indicator"],
        "size": [len(units), len(periods), len(indicators)],
        "role": {"geo": ["unit"], "time": ["time"], "metric": ["indicator"]},
        "dimension": {
            "unit": _dimension("Enhet", units, {u: unit_label(u, unit_names) for u in units}),
            "time": _dimension("Måned", periods, {p: p for p in periods}),
            "indicator": _indicator_dimension(indicators),
        },
        "value": values,
        "note": list(LEGEND),
        "extension": {"suppressed_cells": hidden},
    }
    if status:
        dataset["status"] = status
    if updated is not None:
        dataset["updated"] = updated
    return dataset


def _dimension(label: str, ids: Sequence[str], labels: Mapping[str, str]) -> dict[str, Any]:
    return {
        "label": label,
        "category": {
            "index": {code: i for i, code in enumerate(ids)},
            "label": {code: labels[code] for code in ids},
        },
    }


def _indicator_dimension(indicators: Sequence[str]) -> dict[str, Any]:
    dim = _dimension("Indikator", indicators, {i: INDICATOR_LABELS.get(i, i) for i in indicators})
    dim["category"]["unit"] = {
        i: {"decimals": 0, "label": "kroner" if i == "kroner_paid" else "personer"}
        for i in indicators
    }
    return dim


def build_csv(
    cells: Mapping[CellKey, Cell],
    units: Sequence[str],
    periods: Sequence[str],
    indicators: Sequence[str],
    unit_names: Mapping[str, str],
) -> str:
    """``;``-separated rows ``level;code;name;period;indicator;value;status`` (long form)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for unit in units:
        level, _, code = unit.partition(":")
        name = unit_label(unit, unit_names)
        for period in periods:
            for indicator in indicators:
                cell = cells.get(CellKey(unit, period, indicator), Cell(None, ".."))
                value = "" if cell.value is None else str(cell.value)
                writer.writerow((level, code, name, period, indicator, value, cell.status or ""))
    return out.getvalue()
