"""Monthly indicators per municipality and Oslo district, derived from accepted form records.

Pure: no I/O. recipients(m) = persons with month m marked in any of their accepted
records; with_children(m) and main_livelihood(m) = persons with m marked in a record with
BU18 = 1 / VKLO = 5 (last-contact values, so estimates); under_30(m) = persons aged < 30
(reporting year - birth year) with m marked; kroner_paid(m) = Σ (BIDRAG_m + LAAN_m) over
accepted records, gross; qp_participants(m) = persons with m marked in an accepted 11CF
record. An Oslo record counts for its district and for Oslo as a whole.
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


_RECIPIENTS, _CHILDREN, _LIVELIHOOD, _UNDER_30 = range(4)
_RECIPIENT_INDICATORS = (
    "recipients", "recipients_with_children", "recipients_main_livelihood", "recipients_under_30",
)  # fmt: skip


def _mask(months: tuple[bool, ...]) -> int:
    return sum(1 << index for index, marked in enumerate(months) if marked)


class FormDerivation:
    """Accumulates accepted records into ``UnitFigures`` per unit (records stream through).

    Persons are counted as SSB counts them: once per unit and month, however many
    records they have (two spells, a duplicate record, a record in another district).
    A person's month counts for an indicator when any of their records marking that month
    says so. Kroner are summed over every accepted record. Per person the derivation
    keeps four 12-bit month masks under a keyed hash, so memory grows with persons, not
    with records or fields.
    """

    def __init__(self) -> None:
        self._units: dict[UnitKey, UnitFigures] = {}
        self._recipients: dict[UnitKey, dict[bytes, list[int]]] = {}
        self._participants: dict[UnitKey, dict[bytes, int]] = {}
        self._anonymous = 0
        self._cases: set[bytes] = set()

    def _figures(self, unit: UnitKey) -> UnitFigures:
        figures = self._units.get(unit)
        if figures is None:
            figures = self._units[unit] = UnitFigures()
        return figures

    def _person(self, person: bytes | None) -> bytes:
        if person is not None:
            return person
        self._anonymous += 1
        return b"record:%d" % self._anonymous

    def add_recipient(self, record: RecipientRecord) -> None:
        """Count one 11F record in every unit it belongs to."""
        months = _mask(record.months)
        person = self._person(record.person)
        repeated = record.case is not None and record.case in self._cases
        if record.case is not None:
            self._cases.add(record.case)
        for unit in units_of(record.municipality, record.district):
            figures = self._figures(unit)
            figures.records_11f += 1
            if not repeated:  # the same case (person + journal) reported again pays once
                figures.kroner_total += record.yearly_kroner
                kroner = figures.monthly["kroner_paid"]
                for index in range(MONTHS):
                    kroner[index] += record.monthly_kroner[index]
            masks = self._recipients.setdefault(unit, {}).setdefault(person, [0, 0, 0, 0])
            masks[_RECIPIENTS] |= months
            if record.with_children:
                masks[_CHILDREN] |= months
            if record.main_livelihood:
                masks[_LIVELIHOOD] |= months
            if record.under_30:
                masks[_UNDER_30] |= months

    def add_participant(self, record: QpRecord) -> None:
        """Count one 11CF record in every unit it belongs to."""
        months = _mask(record.months)
        person = self._person(record.person)
        for unit in units_of(record.municipality, record.district):
            self._figures(unit).records_11cf += 1
            persons = self._participants.setdefault(unit, {})
            persons[person] = persons.get(person, 0) | months

    def figures(self) -> dict[UnitKey, UnitFigures]:
        """The figures of every unit seen so far (persons counted once per month)."""
        result: dict[UnitKey, UnitFigures] = {}
        for unit, seen in self._units.items():
            monthly = {name: list(values) for name, values in seen.monthly.items()}
            for masks in self._recipients.get(unit, {}).values():
                for slot, name in enumerate(_RECIPIENT_INDICATORS):
                    _count(monthly[name], masks[slot])
            qp = monthly["qp_participants"]
            for mask in self._participants.get(unit, {}).values():
                _count(qp, mask)
            result[unit] = UnitFigures(
                monthly, seen.kroner_total, seen.records_11f, seen.records_11cf
            )
        return result


def _count(counts: list[int], mask: int) -> None:
    index = 0
    while mask:
        if mask & 1:
            counts[index] += 1
        mask >>= 1
        index += 1
