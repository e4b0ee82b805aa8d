"""SSB-style controls of Skjema 11F / 11CF records, and the parsed records they yield.

Pure: no I/O. A control turns the decoded fields of one record (``contracts.kostra``
``decode_record`` output: field name -> stripped string) into a record the derivation can
use, plus findings with SSB's severities. Fødselsnummer and DUF numbers are read only to
detect duplicates, held as keyed hashes in memory (``DuplicateGuard``) and never put into
a finding, a record or a message.
"""

from __future__ import annotations

import hashlib
import operator
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from services.compactor.rules.base import Severity

MONTH_SUFFIXES: tuple[str, ...] = (
    "JAN", "FEB", "MARS", "APRIL", "MAI", "JUNI",
    "JULI", "AUG", "SEPT", "OKT", "NOV", "DES",
)  # fmt: skip
OSLO = "0301"
OSLO_DISTRICTS: frozenset[str] = frozenset(f"{n:02d}" for n in range(1, 16))
LOW_TOTAL_KRONER = 200
HIGH_TOTAL_KRONER = 1_000_000
UNDER_30_AGE = 30

MunicipalityCheck = Callable[[str], str | None]
"""Returns None when a kommunenummer is valid for the year, else a message saying why not."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One control finding a municipality can act on (never holds a person number)."""

    file: str
    line: int
    municipality: str
    field: str
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class RecipientRecord:
    """An accepted 11F record: what the monthly indicators need, nothing personal."""

    municipality: str
    district: str | None
    months: tuple[bool, ...]
    under_30: bool
    with_children: bool
    main_livelihood: bool
    monthly_kroner: tuple[int, ...]
    yearly_kroner: int
    negative_amounts: int


@dataclass(frozen=True, slots=True)
class QpRecord:
    """An accepted 11CF record (qualification programme participant)."""

    municipality: str
    district: str | None
    months: tuple[bool, ...]
    negative_amounts: int


class DuplicateGuard:
    """Remembers person numbers and journal numbers per reporting unit, as keyed hashes.

    The key is random per run, so the hashes cannot be matched against anything outside
    this process; nothing here is ever written out.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(16)
        self._seen: set[bytes] = set()

    def seen_before(self, unit: str, kind: str, value: str) -> bool:
        """Record ``value`` of ``kind`` for ``unit``; True when it was already recorded."""
        digest = hashlib.blake2b(
            f"{unit}\x1f{kind}\x1f{value}".encode(), key=self._key, digest_size=16
        ).digest()
        if digest in self._seen:
            return True
        self._seen.add(digest)
        return False


class _Findings:
    """Collects findings of one record."""

    def __init__(self, file: str, line: int, municipality: str) -> None:
        self.file, self.line, self.municipality = file, line, municipality
        self.items: list[Finding] = []

    def add(self, field: str, severity: Severity, message: str) -> None:
        self.items.append(
            Finding(self.file, self.line, self.municipality, field, severity, message)
        )

    @property
    def fatal(self) -> bool:
        return any(f.severity is Severity.FATAL for f in self.items)


def check_length(line: str, expected: int, *, form: str, file: str, line_no: int) -> Finding | None:
    """A FATAL finding when a record is not exactly ``expected`` characters long."""
    if len(line) == expected:
        return None
    return Finding(
        file,
        line_no,
        line[:4].strip(),
        "record",
        Severity.FATAL,
        f"{form} record has {len(line)} characters, the layout needs {expected}; record skipped",
    )


def _unit_of(
    fields: Mapping[str, str], year: int, municipality_problem: MunicipalityCheck, out: _Findings
) -> tuple[str, str | None]:
    """The municipality and district code of a record, checking number, year and bydel."""
    code = fields.get("KOMMUNE_NR", "")
    problem = municipality_problem(code)
    if problem is not None:
        out.add("KOMMUNE_NR", Severity.FATAL, f"{problem}; record skipped")
    version = fields.get("VERSION", "")
    if version != f"{year % 100:02d}":
        out.add("VERSION", Severity.ERROR, f"VERSION is {version!r}, expected {year % 100:02d}")
    bydel = fields.get("BYDELSNR", "")
    if code == OSLO:
        if bydel in OSLO_DISTRICTS:
            return code, OSLO + bydel
        out.add(
            "BYDELSNR",
            Severity.ERROR,
            f"Oslo records need BYDELSNR 01–15, got {bydel!r}; counted for Oslo as a whole",
        )
    elif bydel:
        out.add("BYDELSNR", Severity.WARNING, f"BYDELSNR must be blank outside Oslo, got {bydel!r}")
    return code, None


_MONTH_FIELDS: tuple[tuple[str, str], ...] = tuple(
    (f"STMND_{month}", f"{month:02d}") for month in range(1, 13)
)
_MONTHLY: dict[str, tuple[str, ...]] = {
    kind: tuple(f"{kind}_{suffix}" for suffix in MONTH_SUFFIXES) for kind in ("BIDRAG", "LAAN")
}


def _months(fields: Mapping[str, str], out: _Findings) -> tuple[bool, ...]:
    marked = tuple(fields.get(name, "") == code for name, code in _MONTH_FIELDS)
    if not all(marked):
        for (name, code), on in zip(_MONTH_FIELDS, marked, strict=True):
            value = fields.get(name, "")
            if value and not on:
                out.add(name, Severity.ERROR, f"{name} must be blank or {code}, got {value!r}")
    if not any(marked):
        out.add("STMND_1", Severity.ERROR, "no month of assistance is marked (STMND_1–12)")
    return marked


def _amount(fields: Mapping[str, str], name: str, out: _Findings) -> int:
    """The raw whole-kroner value of an amount field (blank = 0; malformed = 0 + ERROR)."""
    text = fields.get(name, "")
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        out.add(name, Severity.ERROR, f"{name} is not a whole number: {text!r}")
        return 0


def _duplicates(
    fields: Mapping[str, str],
    unit: str,
    guard: DuplicateGuard,
    out: _Findings,
    id_fields: tuple[str, ...],
) -> bool:
    """True when the person or the journal number was already seen in this unit."""
    duplicate = False
    person_ids = [(name, fields.get(name, "")) for name in id_fields]
    if not any(value for _, value in person_ids):
        out.add(id_fields[0], Severity.WARNING, "neither fødselsnummer nor DUF number is given")
    for name, value in person_ids:
        if value and guard.seen_before(unit, name, value):
            out.add(name, Severity.ERROR, f"duplicate person ({name}) in {unit}; counted once")
            duplicate = True
    journal = fields.get("PERSON_JOURNALNR", "")
    if not journal:
        out.add("PERSON_JOURNALNR", Severity.WARNING, "journal number is missing")
    elif guard.seen_before(unit, "PERSON_JOURNALNR", journal):
        out.add(
            "PERSON_JOURNALNR",
            Severity.ERROR,
            f"duplicate journal number {journal} in {unit}; counted once",
        )
        duplicate = True
    return duplicate


def birth_year_from_fodselsnummer(number: str) -> int | None:
    """The birth year a fødselsnummer/D-number encodes (century from the individual number)."""
    if len(number) != 11 or not number.isdigit():
        return None
    day = int(number[0:2]) % 40
    month = int(number[2:4]) % 40
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    yy, individual = int(number[4:6]), int(number[6:9])
    if individual <= 499:
        return 1900 + yy
    if individual >= 900 and yy >= 40:
        return 1900 + yy
    if individual <= 749 and yy >= 54:
        return 1800 + yy
    return 2000 + yy


def _birth_year(fields: Mapping[str, str], out: _Findings) -> int | None:
    if "FODSELSDATO" in fields:
        text = fields["FODSELSDATO"]
        ok = len(text) == 8 and text.isdigit()
        if ok and 1 <= int(text[0:2]) <= 31 and 1 <= int(text[2:4]) <= 12:
            return int(text[4:8])
        out.add("FODSELSDATO", Severity.WARNING, "birth date is not a date (DDMMÅÅÅÅ)")
        return None
    year = birth_year_from_fodselsnummer(fields.get("PERSON_FODSELSNR", ""))
    if year is None:
        out.add("PERSON_FODSELSNR", Severity.WARNING, "no birth date in the fødselsnummer")
    return year


def check_recipient(
    fields: Mapping[str, str],
    *,
    year: int,
    municipality_problem: MunicipalityCheck,
    guard: DuplicateGuard,
    file: str,
    line: int,
) -> tuple[RecipientRecord | None, list[Finding]]:
    """Control one decoded 11F record; the record is None when it must not be counted."""
    out = _Findings(file, line, fields.get("KOMMUNE_NR", ""))
    municipality, district = _unit_of(fields, year, municipality_problem, out)
    if out.fatal:
        return None, out.items
    duplicate = _duplicates(
        fields, district or municipality, guard, out, ("PERSON_FODSELSNR", "PERSON_DUF")
    )
    months = _months(fields, out)
    birth_year = _birth_year(fields, out)
    negatives = 0
    yearly = 0
    gross: dict[str, list[int]] = {}
    for kind, names in _MONTHLY.items():
        total = _amount(fields, kind, out)
        monthly = [_amount(fields, name, out) for name in names]
        negatives += (total < 0) + sum(1 for value in monthly if value < 0)
        if sum(monthly) != total:
            out.add(
                kind,
                Severity.ERROR,
                f"monthly {kind} amounts sum to {sum(monthly)}, the yearly {kind} is {total}",
            )
        yearly += max(total, 0)
        gross[kind] = [max(value, 0) for value in monthly]
    if negatives:
        out.add("BIDRAG", Severity.INFO, f"{negatives} negative amount(s) set to zero")
    if yearly <= 0:
        out.add("BIDRAG", Severity.ERROR, "bidrag + lån for the year is not above 0")
    elif yearly <= LOW_TOTAL_KRONER:
        out.add("BIDRAG", Severity.WARNING, f"bidrag + lån {yearly} kr is implausibly low")
    elif yearly > HIGH_TOTAL_KRONER:
        out.add("BIDRAG", Severity.WARNING, f"bidrag + lån {yearly} kr is implausibly high")
    if duplicate:
        return None, out.items
    record = RecipientRecord(
        municipality=municipality,
        district=district,
        months=months,
        under_30=birth_year is not None and year - birth_year < UNDER_30_AGE,
        with_children=fields.get("BU18", "") == "1",
        main_livelihood=fields.get("VKLO", "") == "5",
        monthly_kroner=tuple(map(operator.add, gross["BIDRAG"], gross["LAAN"])),
        yearly_kroner=yearly,
        negative_amounts=negatives,
    )
    return record, out.items


def check_participant(
    fields: Mapping[str, str],
    *,
    year: int,
    municipality_problem: MunicipalityCheck,
    guard: DuplicateGuard,
    file: str,
    line: int,
) -> tuple[QpRecord | None, list[Finding]]:
    """Control one decoded 11CF record; the record is None when it must not be counted."""
    out = _Findings(file, line, fields.get("KOMMUNE_NR", ""))
    municipality, district = _unit_of(fields, year, municipality_problem, out)
    if out.fatal:
        return None, out.items
    duplicate = _duplicates(fields, district or municipality, guard, out, ("PERSON_FODSELSNR",))
    months = _months(fields, out)
    negatives = 0
    if _amount(fields, "KVP_STONAD", out) < 0:
        negatives = 1
        out.add("KVP_STONAD", Severity.INFO, "negative KVP_STONAD set to zero")
    if duplicate:
        return None, out.items
    return QpRecord(municipality, district, months, negatives), out.items
