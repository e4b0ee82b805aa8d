"""Skjema 11F and 11CF records from the microdata, and the ``standard`` form faults.

One national file per form, records ordered by municipality, district and journal number.
Faults are the kinds SSB's controls catch: a duplicated record (same fødselsnummer twice in a
municipality), a record whose monthly amounts do not sum to the yearly ones, a record
with amounts but no month of assistance marked, and 11F records with a bad code (SSB 032,
033, 035, 039) and 11CF records with a bad value (SSB 019, 026, 032). Pure: returns lines,
writes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from contracts.kostra import Layout, encode_record
from services.simulator.fnr import synthetic_fodselsnummer
from services.simulator.microdata import Person
from services.simulator.params import FaultParameters
from services.simulator.world import Area

MONTH_SUFFIXES = (
    "JAN",
    "FEB",
    "MARS",
    "APRIL",
    "MAI",
    "JUNI",
    "JULI",
    "AUG",
    "SEPT",
    "OKT",
    "NOV",
    "DES",
)
FormValues = dict[str, str | int | date | None]
ARBSIT_BY_VKLO: dict[str, str] = {
    "1": "01", "2": "05", "4": "03", "5": "07", "6": "09", "7": "04", "8": "10", "9": "04",
}  # fmt: skip
"""11F work situation consistent with the main livelihood (SSB 015–021)."""
QP_ENDED = ("3", "4", "5", "7")
"""11CF statuses of a programme that ended in the year (they carry AVSL_DATO)."""
QP_SITUATIONS: tuple[tuple[str, str], ...] = (
    ("AVSL_ORDINAERTARB", "01"),
    ("AVSL_ARBLONNSTILS", "11"),
    ("AVSL_ARBMARK", "03"),
    ("AVSL_SKOLE", "04"),
    ("AVSL_UFORE", "13"),
    ("AVSL_AAP", "14"),
    ("AVSL_OK_AVKLAR", "15"),
    ("AVSL_UTEN_OK_AVKLAR", "16"),
    ("AVSL_ANNET", "10"),
)
"""11CF situation after a completed programme: the field marked and its code, which is
also the code of the main income source afterwards (AVSL_VIKTIGSTE_INNTEKT)."""


@dataclass(slots=True, eq=False)
class FormRecord:
    """A record before encoding; ``kind`` tags an injected fault.

    11F values are built from ``person`` only when needed (``current``) so a national file
    never holds all records' fields at once; ``editable`` builds and keeps them.
    """

    municipality: str
    bydelsnr: str
    journal: str
    values: FormValues | None
    kind: str | None = None
    person: Person | None = None
    area: Area | None = None
    layout: Layout | None = None

    def current(self) -> FormValues:
        """The record's values (kept ones, else freshly built from the person)."""
        if self.values is not None:
            return self.values
        assert self.person is not None and self.area is not None and self.layout is not None
        return record_11f(self.person, self.area, self.layout)

    def editable(self) -> FormValues:
        """The record's values, kept from now on so they can be changed."""
        if self.values is None:
            self.values = self.current()
        return self.values


def _common(person: Person, area: Area, layout: Layout) -> FormValues:
    values: FormValues = {
        "KOMMUNE_NR": area.municipality,
        "VERSION": f"{layout.year % 100:02d}",
        "BYDELSNR": area.bydelsnr or "",
        "PERSON_JOURNALNR": person.journal,
        "PERSON_FODSELSNR": person.fnr,
        "KJONN": "2" if person.female else "1",
        "EKTSTAT": person.ektstat,
        "BU18": "1" if person.children else "2",
        "ANTBU18": person.children or None,
    }
    if "FODSELSDATO" in layout.names:
        values["FODSELSDATO"] = person.birth
    return values


def record_11f(person: Person, area: Area, layout: Layout) -> FormValues:
    """The 11F values of one recipient (monthly amounts blank in months without payment)."""
    values = _common(person, area, layout)
    values.update(
        VKLO=person.vklo,
        TRYGDESIT="01" if person.vklo == "3" else "12",  # 12: no trygd (SSB 020A/020B)
        ARBSIT=ARBSIT_BY_VKLO.get(person.vklo, "04"),
        BIDRAG=sum(person.bidrag),
        LAAN=sum(person.laan),
        GITT_OKONOMIRAD="2",
        FAAT_INDIVIDUELL_PLAN="2",
        SAKSBEHANDLER="SIM",
        BOSIT="1",
        VILKARSOSLOV="2",
        VILKARSAMEKT="2",
    )
    for m, suffix in enumerate(MONTH_SUFFIXES):
        if person.months >> m & 1:
            values[f"STMND_{m + 1}"] = f"{m + 1:02d}"
        values[f"BIDRAG_{suffix}"] = person.bidrag[m] or None
        values[f"LAAN_{suffix}"] = person.laan[m] or None
    return values


def record_11cf(person: Person, area: Area, layout: Layout, rng: random.Random) -> FormValues:
    """The 11CF values of one qualification-programme participant."""
    assert person.qp_start is not None
    values = _common(person, area, layout)
    months = [m for m in range(12) if person.qp_months >> m & 1]
    values.update(
        REG_DATO=person.qp_start - timedelta(days=rng.randint(30, 90)),
        VEDTAK_DATO=person.qp_start - timedelta(days=rng.randint(3, 25)),
        BEGYNT_DATO=person.qp_start,
        KVP_STONAD=len(months) * 19_000 + rng.randrange(1000),
        STATUS=person.qp_status,
        SAKSBEHANDLER="SIM",
    )
    for m in months:
        values[f"STMND_{m + 1}"] = f"{m + 1:02d}"
    values.update(KVP_KOMM="2", KVP_MED_ASTONAD="2")  # SSB 019, 026: mandatory answers
    if person.months:  # assistance before the programme (SSB 021 wants its kind)
        values.update(YTELSE_SOSHJELP="1", YTELSE_TYPE_SOSHJ="2")
    if person.qp_status in QP_ENDED:  # SSB 037: the end date (not for permisjon)
        last = date(layout.year, months[-1] + 1, 1) + timedelta(days=27)
        values["AVSL_DATO"] = last
    if person.qp_status in ("3", "7"):  # SSB 038/039: situation and income afterwards
        field, code = QP_SITUATIONS[int(person.journal) % len(QP_SITUATIONS)]
        values.update({field: code, "AVSL_VIKTIGSTE_INNTEKT": code})
    return values


def build_records(
    people: list[Person], areas: list[Area], layout_f: Layout, layout_cf: Layout, seed: int
) -> tuple[list[FormRecord], list[FormRecord]]:
    """The clean 11F and 11CF records, sorted by municipality, district and journal."""
    rng = random.Random(f"sosialpuls:{seed}:forms")
    f_records, cf_records = [], []
    for person in people:
        area = areas[person.area]
        assert area.bydelsnr is not None, "persons never live in an area without services"
        if person.in_11f:
            f_records.append(
                FormRecord(
                    area.municipality,
                    area.bydelsnr,
                    person.journal,
                    None,
                    None,
                    person,
                    area,
                    layout_f,
                )
            )
        if person.in_11cf:
            values = record_11cf(person, area, layout_cf, rng)
            cf_records.append(FormRecord(area.municipality, area.bydelsnr, person.journal, values))
    order = lambda r: (r.municipality, r.bydelsnr, r.journal)  # noqa: E731
    return sorted(f_records, key=order), sorted(cf_records, key=order)


def inject_form_faults(
    records: list[FormRecord], form: str, year: int, seed: int, params: FaultParameters
) -> list[FormRecord]:
    """``records`` with duplicates (both forms) and, for 11F, sum mismatches and records
    without any month marked. Duplicates follow their original; new records sort in."""
    rng = random.Random(f"sosialpuls:{seed}:form-faults:{form}")
    if not records:
        return records
    n = max(params.minimum, round(len(records) * params.form_per_thousand / 1000))
    out = list(records)
    if form == "11F":
        for record in rng.sample(records, min(n, len(records))):
            values = record.editable()
            yearly = values["BIDRAG"]
            assert isinstance(yearly, int)
            values["BIDRAG"] = yearly + rng.randrange(100, 5000)
            record.kind = "sum_mismatch"
        taken = {
            str(r.person.fnr if r.person else r.current()["PERSON_FODSELSNR"]) for r in records
        }
        for _ in range(n):
            out.append(_without_months(rng.choice(records), year, rng, taken))
        out.sort(key=lambda r: (r.municipality, r.bydelsnr, r.journal))
    if form == "11F":
        _violate_rules(records, n, random.Random(f"sosialpuls:{seed}:form-rules:{form}"))
    if form == "11CF":
        rules_rng = random.Random(f"sosialpuls:{seed}:form-rules:{form}")
        _violate_rules(records, n, rules_rng, RULE_VIOLATIONS_11CF)
    doubled = {id(r) for r in rng.sample(records, min(n, len(records)))}
    with_duplicates = []
    for record in out:
        with_duplicates.append(record)
        if id(record) in doubled:
            with_duplicates.append(_duplicate(record))
    return with_duplicates


RULE_VIOLATIONS: tuple[tuple[str, str, str], ...] = (
    ("032", "GITT_OKONOMIRAD", "7"),
    ("033", "FAAT_INDIVIDUELL_PLAN", "9"),
    ("035", "BOSIT", "9"),
    ("039", "VILKARSOSLOV", "5"),
)
"""11F faults SSB's record rules catch (rule, field, bad value); none changes an indicator."""
RULE_VIOLATIONS_11CF: tuple[tuple[str, str, str | int], ...] = (
    ("019", "KVP_KOMM", "9"),
    ("026", "KVP_MED_ASTONAD", "9"),
    ("032", "KVP_STONAD", 650_000),
)
"""11CF faults SSB's record rules catch (019, 026 ERROR; 032 WARNING); none changes an
indicator."""


def _violate_rules(
    records: list[FormRecord],
    n: int,
    rng: random.Random,
    violations: tuple[tuple[str, str, str | int], ...] = RULE_VIOLATIONS,
) -> None:
    """Give ``n`` clean records one bad value each, tagged ``rule_<id>``."""
    clean = [r for r in records if r.kind is None]
    for index, record in enumerate(rng.sample(clean, min(n, len(clean)))):
        rule, name, value = violations[index % len(violations)]
        record.editable()[name] = value
        record.kind = f"rule_{rule}"


def _duplicate(original: FormRecord) -> FormRecord:
    values = dict(original.current())
    return FormRecord(
        original.municipality, original.bydelsnr, original.journal, values, "duplicate_record"
    )


def _without_months(
    neighbour: FormRecord, year: int, rng: random.Random, taken: set[str]
) -> FormRecord:
    """A new record in ``neighbour``'s municipality with amounts but no month marked."""
    values: FormValues = {
        k: v
        for k, v in neighbour.current().items()
        if not k.startswith(("STMND_", "BIDRAG", "LAAN"))
    }
    birth = date(year - rng.randint(20, 60), rng.randint(1, 12), rng.randint(1, 28))
    female = rng.random() < 0.5
    values["PERSON_FODSELSNR"] = synthetic_fodselsnummer(birth, female, rng, taken)
    values["KJONN"] = "2" if female else "1"
    if "FODSELSDATO" in values:
        values["FODSELSDATO"] = birth
    journal = f"9{rng.randrange(10**7):07d}"
    values["PERSON_JOURNALNR"] = journal
    total = 0
    for suffix in rng.sample(MONTH_SUFFIXES, rng.randint(1, 3)):
        amount = rng.randrange(2000, 12_000)
        values[f"BIDRAG_{suffix}"] = amount
        total += amount
    values["BIDRAG"], values["LAAN"] = total, 0
    return FormRecord(neighbour.municipality, neighbour.bydelsnr, journal, values, "missing_months")


def encode_lines(
    records: list[FormRecord], layout: Layout
) -> tuple[list[str], list[dict[str, Any]]]:
    """Encoded lines and the fault tags (1-based line numbers) of ``records``."""
    lines, tags = [], []
    for line_no, record in enumerate(records, start=1):
        lines.append(encode_record(layout, record.current()))
        if record.kind is not None:
            tags.append(
                {
                    "form": layout.form,
                    "line": line_no,
                    "kind": record.kind,
                    "kommunenummer": record.municipality,
                    "bydelsnr": record.bydelsnr,
                }
            )
    return lines, tags
