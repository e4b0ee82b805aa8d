"""Summaries of a reconciliation for the reports: status counts, unit ranking, national series.

Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.compactor.config import INDICATORS
from services.compactor.derive import MONTHS
from services.compactor.reconcile import PROBLEMS, AccountsRow, ReconRow, Status


@dataclass(slots=True)
class UnitSummary:
    """How one unit reconciled: problem count and the largest relative difference."""

    unit_type: str
    unit_code: str
    statuses: Counter[str] = field(default_factory=Counter)
    problems: int = 0
    largest_relative: float = 0.0
    largest_abs_recipients: int = 0

    @property
    def key(self) -> str:
        """``<unit type>:<code>``."""
        return f"{self.unit_type}:{self.unit_code}"


@dataclass(slots=True)
class Summary:
    """Everything the HTML and JSON reports show above the row level."""

    status_by_indicator: dict[str, Counter[str]]
    units: list[UnitSummary]
    national_stream: dict[str, list[int | None]]
    national_forms: dict[str, list[int | None]]
    accounts_flagged: int

    def status_totals(self) -> Counter[str]:
        """Rows per status over all indicators."""
        total: Counter[str] = Counter()
        for counts in self.status_by_indicator.values():
            total.update(counts)
        return total


def _national(rows: Iterable[ReconRow], side: str) -> dict[str, list[int | None]]:
    series: dict[str, list[int | None]] = {name: [None] * MONTHS for name in INDICATORS}
    for row in rows:
        if row.unit_type != "municipality":
            continue
        value = row.stream if side == "stream" else row.form
        if value is None:
            continue
        slot = series[row.indicator]
        slot[row.month - 1] = (slot[row.month - 1] or 0) + value
    return series


def summarise(rows: Sequence[ReconRow], accounts: Sequence[AccountsRow]) -> Summary:
    """Counts, the units ranked by problems (worst first) and national monthly series."""
    by_indicator: dict[str, Counter[str]] = {name: Counter() for name in INDICATORS}
    units: dict[tuple[str, str], UnitSummary] = {}
    for row in rows:
        by_indicator[row.indicator][row.status.value] += 1
        unit = units.get((row.unit_type, row.unit_code))
        if unit is None:
            unit = units[(row.unit_type, row.unit_code)] = UnitSummary(row.unit_type, row.unit_code)
        unit.statuses[row.status.value] += 1
        if row.status in PROBLEMS:
            unit.problems += 1
            if row.status is Status.DEVIATION:
                rel = row.relative_difference
                unit.largest_relative = max(
                    unit.largest_relative, abs(rel) if rel is not None else float("inf")
                )
            if row.indicator == "recipients" and row.difference is not None:
                unit.largest_abs_recipients = max(unit.largest_abs_recipients, abs(row.difference))
    ranked = sorted(
        units.values(),
        key=lambda u: (-u.problems, -u.largest_relative, u.unit_type, u.unit_code),
    )
    return Summary(
        status_by_indicator=by_indicator,
        units=ranked,
        national_stream=_national(rows, "stream"),
        national_forms=_national(rows, "forms"),
        accounts_flagged=sum(1 for a in accounts if a.flags),
    )
