"""Monthly indicators per municipality and Oslo district, derived from accepted form records.

Pure: no I/O. recipients(m) = records with month m marked; with_children(m) and
main_livelihood(m) = marked records with BU18 = 1 / VKLO = 5 (last-contact values, so
estimates); under_30(m) = marked records aged < 30 (reporting year - birth year);
kroner_paid(m) = Σ (BIDRAG_m + LAAN_m), gross; qp_participants(m) = 11CF records with
month m marked. An Oslo record counts for its district and for Oslo as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.compactor.config import INDICATORS
from services.compactor.controls import QpRecord, RecipientRecord

UnitKey = tuple[str, str]
"""(unit type, code): ("municipality", "0301") or ("district", "030101")."""

MONTHS = 12


def _zeros() -> dict[str, list[int]]:
    return {name: [0] * MONTHS for name in INDICATORS}


@dataclass(slots=True)
class UnitFigures:
    """The form figures of one unit for the year: 12 values per indicator, kroner total."""

    monthly: dict[str, list[int]] = field(default_factory=_zeros)
    kroner_total: int = 0
    records_11f: int = 0
    records_11cf: int = 0

    def value(self, indicator: str, month: int) -> int:
        """The value of ``indicator`` in ``month`` (1–12)."""
        return self.monthly[indicator][month - 1]


def units_of(municipality: str, district: str | None) -> list[UnitKey]:
    """The units a record counts for: its municipality and, in Oslo, its district."""
    units: list[UnitKey] = [("municipality", municipality)]
    if district is not None:
        units.append(("district", district))
    return units


class FormDerivation:
    """Accumulates accepted records into ``UnitFigures`` per unit (records stream through)."""

    def __init__(self) -> None:
        self._units: dict[UnitKey, UnitFigures] = {}

    def _figures(self, unit: UnitKey) -> UnitFigures:
        figures = self._units.get(unit)
        if figures is None:
            figures = self._units[unit] = UnitFigures()
        return figures

    def add_recipient(self, record: RecipientRecord) -> None:
        """Count one 11F record in every unit it belongs to."""
        for unit in units_of(record.municipality, record.district):
            figures = self._figures(unit)
            figures.records_11f += 1
            figures.kroner_total += record.yearly_kroner
            monthly = figures.monthly
            kroner = monthly["kroner_paid"]
            for index in range(MONTHS):
                kroner[index] += record.monthly_kroner[index]
                if not record.months[index]:
                    continue
                monthly["recipients"][index] += 1
                if record.with_children:
                    monthly["recipients_with_children"][index] += 1
                if record.main_livelihood:
                    monthly["recipients_main_livelihood"][index] += 1
                if record.under_30:
                    monthly["recipients_under_30"][index] += 1

    def add_participant(self, record: QpRecord) -> None:
        """Count one 11CF record in every unit it belongs to."""
        for unit in units_of(record.municipality, record.district):
            figures = self._figures(unit)
            figures.records_11cf += 1
            qp = figures.monthly["qp_participants"]
            for index in range(MONTHS):
                if record.months[index]:
                    qp[index] += 1

    def figures(self) -> dict[UnitKey, UnitFigures]:
        """The figures of every unit seen so far."""
        return dict(self._units)
