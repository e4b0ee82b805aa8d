"""What a sealed unit-year is: the record stored in ``annual_reconciled`` and published.

Pure: no I/O. The reconciled value of a month is the form value for the exact indicators
(the forms are SSB's reference) and the stream value for the estimates (the forms only
carry last-contact values there), each falling back to the other side when absent.
The record holds nothing time-dependent, so the same input gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.compactor.config import EXACT_INDICATORS, INDICATORS
from services.compactor.derive import MONTHS
from services.compactor.reconcile import PROBLEMS, AccountsRow, ReconRow

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class SealedUnit:
    """One unit-year as sealed: key, record and the annual kroner columns."""

    unit_type: str
    unit_code: str
    year: int
    problems: int
    kroner_stream: int | None
    kroner_forms: int | None
    kroner_accounts: int | None
    accounts_status: str | None
    record: dict[str, Any]

    @property
    def key(self) -> str:
        """The topic key ``<unit type>:<code>:<year>``."""
        return f"{self.unit_type}:{self.unit_code}:{self.year}"

    def value(self) -> bytes:
        """The topic value: canonical UTF-8 JSON of the record."""
        return json.dumps(self.record, sort_keys=True, separators=(",", ":")).encode()


def reconciled_value(indicator: str, stream: int | None, form: int | None) -> int | None:
    """The sealed figure of one cell (see the module docstring)."""
    first, second = (form, stream) if indicator in EXACT_INDICATORS else (stream, form)
    return first if first is not None else second


def sealed_units(
    year: int, input_digest: str, rows: Sequence[ReconRow], accounts: Sequence[AccountsRow]
) -> list[SealedUnit]:
    """Every unit-year of a reconciliation as a ``SealedUnit``, ordered by key."""
    cells: dict[tuple[str, str], dict[str, list[dict[str, Any] | None]]] = {}
    problems: dict[tuple[str, str], int] = {}
    for row in rows:
        unit = (row.unit_type, row.unit_code)
        months = cells.setdefault(unit, {name: [None] * MONTHS for name in INDICATORS})
        months[row.indicator][row.month - 1] = {
            "value": reconciled_value(row.indicator, row.stream, row.form),
            "stream": row.stream,
            "form": row.form,
            "status": row.status.value,
        }
        problems[unit] = problems.get(unit, 0) + (row.status in PROBLEMS)
    by_municipality = {a.municipality: a for a in accounts}
    units: list[SealedUnit] = []
    for (unit_type, code), months in sorted(cells.items()):
        account = by_municipality.get(code) if unit_type == "municipality" else None
        annual = None
        if account is not None:
            annual = {
                "kroner_stream": account.stream_kroner,
                "kroner_forms": account.form_kroner,
                "kroner_accounts": account.accounts_kroner,
                "status": account.status,
            }
        record = {
            "schema_version": SCHEMA_VERSION,
            "unit": {"type": unit_type, "code": code},
            "year": year,
            "status": "reconciled",
            "input_digest": input_digest,
            "months": [
                {
                    "period": f"{year}-{month:02d}",
                    "indicators": {name: months[name][month - 1] for name in INDICATORS},
                }
                for month in range(1, MONTHS + 1)
            ],
            "annual": annual,
        }
        units.append(
            SealedUnit(
                unit_type=unit_type,
                unit_code=code,
                year=year,
                problems=problems[(unit_type, code)],
                kroner_stream=account.stream_kroner if account else None,
                kroner_forms=account.form_kroner if account else None,
                kroner_accounts=account.accounts_kroner if account else None,
                accounts_status=account.status if account else None,
                record=record,
            )
        )
    return units
