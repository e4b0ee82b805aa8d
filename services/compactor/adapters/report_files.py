"""Report files of a compaction: controls.csv, reconciliation.csv/.json, accounts_check.csv.

CSV files use ``;`` as SSB's statbank does. No file ever holds a person number: the rows
come from findings and figures that carry none. ``report.html`` is written by ``html_report``.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from services.compactor.control_report import CONTROLS_HEADER, ControlSummary, csv_row
from services.compactor.controls import Finding
from services.compactor.reconcile import AccountsRow, ReconRow
from services.compactor.summary import Summary

RECON_HEADER = (
    "unit_type", "unit_code", "period", "indicator", "kind",
    "stream", "form", "difference", "relative_difference", "status",
)  # fmt: skip
ACCOUNTS_HEADER = (
    "kommunenummer", "stream_kroner", "stream_months", "form_kroner", "accounts_kroner",
    "stream_vs_form", "form_vs_accounts", "stream_vs_accounts", "status",
)  # fmt: skip


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


class ControlsWriter:
    """Writes findings to ``controls.csv`` as they arise and sums them up for the HTML."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.by_municipality: dict[str, Counter[str]] = {}
        self.summary = ControlSummary()
        self.total = 0
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, delimiter=";")
        self._writer.writerow(CONTROLS_HEADER)

    def __call__(self, finding: Finding) -> None:
        self._writer.writerow(csv_row(finding))
        self.by_municipality.setdefault(finding.municipality, Counter())[
            finding.severity.value
        ] += 1
        self.summary.add(finding)
        self.total += 1

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()

    def __enter__(self) -> ControlsWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def recon_record(row: ReconRow, year: int) -> dict[str, Any]:
    """One reconciliation row as a JSON-able mapping (period ``YYYY-MM``)."""
    return {
        "unit_type": row.unit_type,
        "unit_code": row.unit_code,
        "period": f"{year}-{row.month:02d}",
        "indicator": row.indicator,
        "kind": "exact" if row.exact else "estimate",
        "stream": row.stream,
        "form": row.form,
        "difference": row.difference,
        "relative_difference": row.relative_difference,
        "status": row.status.value,
    }


def accounts_record(row: AccountsRow) -> dict[str, Any]:
    """One accounts check row as a JSON-able mapping (kroner)."""
    return {
        "kommunenummer": row.municipality,
        "stream_kroner": row.stream_kroner,
        "stream_months": row.stream_months,
        "form_kroner": row.form_kroner,
        "accounts_kroner": row.accounts_kroner,
        "stream_vs_form": row.stream_vs_form,
        "form_vs_accounts": row.form_vs_accounts,
        "stream_vs_accounts": row.stream_vs_accounts,
        "status": row.status,
    }


def write_reconciliation_csv(path: Path, rows: Sequence[ReconRow], year: int) -> None:
    """``reconciliation.csv``: one line per unit, month and indicator."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(RECON_HEADER)
        for row in rows:
            record = recon_record(row, year)
            writer.writerow([_text(record[name]) for name in RECON_HEADER])


def write_accounts_csv(path: Path, rows: Sequence[AccountsRow]) -> None:
    """``accounts_check.csv``: stream vs forms vs function 281 per municipality."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(ACCOUNTS_HEADER)
        for row in rows:
            record = accounts_record(row)
            writer.writerow([_text(record[name]) for name in ACCOUNTS_HEADER])


def write_reconciliation_json(
    path: Path,
    *,
    year: int,
    input_digest: str,
    tolerances: dict[str, float],
    summary: Summary,
    rows: Sequence[ReconRow],
    accounts: Sequence[AccountsRow],
    reading: dict[str, Any],
) -> None:
    """``reconciliation.json``: summary, units ranked worst first, every row, accounts."""
    document = {
        "year": year,
        "input_digest": input_digest,
        "tolerances": tolerances,
        "reading": reading,
        "summary": {
            "units": len(summary.units),
            "units_with_problems": sum(1 for u in summary.units if u.problems),
            "status_totals": dict(summary.status_totals()),
            "accounts_flagged": summary.accounts_flagged,
        },
        "status_by_indicator": {k: dict(v) for k, v in summary.status_by_indicator.items()},
        "units": [
            {
                "unit": u.key,
                "problems": u.problems,
                "largest_relative_difference": (
                    None if u.largest_relative == float("inf") else u.largest_relative
                ),
                "statuses": dict(u.statuses),
            }
            for u in summary.units
        ],
        "rows": [recon_record(row, year) for row in rows],
        "accounts": [accounts_record(row) for row in accounts],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
