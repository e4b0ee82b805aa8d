"""SSB's controls of one Skjema 11F / 11CF record, and the parsed record they yield.

Pure: no I/O. ``RecordControl`` runs the form's rule set (``rules.rules_for``) on the
decoded fields of a record, then the duplicate rules, and turns an accepted record into
what the derivation needs. A record is *not counted* when it has a FATAL finding (001) or
a kommunenummer that is not valid for the year (003K: SSB grades it ERROR, but a record
without a municipality cannot be counted anywhere). Every other record is counted:
duplicates are reported (005A/005B) and the person is counted once by ``derive``.

Fødselsnummer, D-number and DUF number are read to check them, to find duplicates and to
tell persons apart; they are held only as keyed hashes (random key per run) and never put
into a finding, a record or a message.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from contracts.kostra import load_layout
from services.compactor.rules import Lookups, RecordContext, rules_for
from services.compactor.rules.base import (
    DEFAULT_LOOKUPS,
    MONTH_SUFFIXES,
    MunicipalityCheck,
    RuleRunner,
    Severity,
)
from services.compactor.rules.duplicates import DuplicateDetector
from services.compactor.rules.file_level import FileDescription, record_line_violation
from services.compactor.rules.layout_codes import code_lists, date_patterns
from services.compactor.rules.persons import birth_date, is_valid_fnr_or_dnr

__all__ = [
    "MONTH_SUFFIXES",
    "Finding",
    "MunicipalityCheck",
    "QpRecord",
    "RecipientRecord",
    "RecordControl",
    "Severity",
    "check_length",
]

UNDER_30_AGE = 30
_MONTHLY = {
    kind: tuple(f"{kind}_{suffix}" for suffix in MONTH_SUFFIXES) for kind in ("BIDRAG", "LAAN")
}
NOT_COUNTING_RULES = frozenset({"001", "003K"})
"""A finding of these rules keeps its record from being counted."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One control finding a municipality can act on (never holds a person number)."""

    file: str
    line: int
    municipality: str
    field: str
    severity: Severity
    message: str
    rule: str = ""
    title: str = ""
    district: str = ""
    counted: bool = True
    """False when the finding's record is not counted in any figure."""
    form: str = ""


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
    person: bytes | None = None
    """Keyed hash telling persons apart within the run; None = a person of its own."""
    case: bytes | None = None
    """Keyed hash of person + journal number: the same case reported twice pays once."""


@dataclass(frozen=True, slots=True)
class QpRecord:
    """An accepted 11CF record (qualification programme participant)."""

    municipality: str
    district: str | None
    months: tuple[bool, ...]
    negative_amounts: int
    person: bytes | None = None


def check_length(line: str, expected: int, *, form: str, file: str, line_no: int) -> Finding | None:
    """A FATAL finding (001) when a record is not ``expected`` characters or holds a tab."""
    found = record_line_violation(line, expected)
    if found is None:
        return None
    return Finding(
        file, line_no, line[:4].strip(), found.field, found.severity,
        f"{form}: {found.message}", found.rule_id, found.title, counted=False, form=form,
    )  # fmt: skip


@dataclass(slots=True)
class _PersonKeys:
    key: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    def of(self, fields: Mapping[str, str], year: int, file: str, line: int) -> bytes:
        """A person: fødselsnummer/D-number if valid, else DUF, else the record itself."""
        fnr = fields.get("PERSON_FODSELSNR", "")
        if fnr and is_valid_fnr_or_dnr(fnr, year):
            text = "F" + fnr
        elif fields.get("PERSON_DUF", ""):
            text = "D" + fields["PERSON_DUF"]
        elif fnr:
            text = "X" + fnr
        else:
            text = f"R{file}\x1f{line}"
        return hashlib.blake2b(text.encode(), key=self.key, digest_size=16).digest()

    def case(self, person: bytes, journal: str) -> bytes:
        return hashlib.blake2b(person + journal.encode(), key=self.key, digest_size=16).digest()


class RecordControl:
    """Controls the records of one form and year (one instance per form per run)."""

    def __init__(
        self,
        form: str,
        year: int,
        *,
        municipality_problem: MunicipalityCheck | None = None,
        lookups: Lookups | None = None,
    ) -> None:
        self.form, self.year = form, year
        base = lookups or DEFAULT_LOOKUPS
        if municipality_problem is not None:
            base = Lookups(municipality_problem, base.districts)
        self._lookups = base
        self._rules = rules_for(form).for_year(year)
        self._runner = RuleRunner(self._rules)
        self._codes = code_lists(form, year)
        self._dates = date_patterns(form, year)
        layout = load_layout(form, year)
        self._file_description = (
            FileDescription(layout, self._codes) if "002" in self._rules.ids else None
        )
        self._duplicates = DuplicateDetector(form)
        self._persons = _PersonKeys()

    def control(
        self, fields: Mapping[str, str], *, file: str, line: int
    ) -> tuple[RecipientRecord | QpRecord | None, list[Finding]]:
        """Findings of one decoded record, and the record to count (None: not counted)."""
        ctx = RecordContext(
            fields, self.year, self.form, line, self._dates, self._codes, self._lookups
        )
        municipality = fields.get("KOMMUNE_NR", "")
        own = self._runner.run(ctx)
        if self._file_description is not None:
            own = self._file_description.check(fields) + own
        duplicates = self._duplicates.check(ctx, line)
        district = self._district(fields)
        counted = True
        findings: list[Finding] = []
        if own or duplicates:
            counted = not any(f.rule_id in NOT_COUNTING_RULES for f in own)
            bydel = district[-2:] if district else ""
            findings = [
                Finding(
                    file, at, municipality, f.field, f.severity, f.message, f.rule_id, f.title,
                    bydel, counted or at != line, self.form,
                )
                for at, f in [(line, f) for f in own] + duplicates
            ]  # fmt: skip
        if not counted:
            return None, findings
        person = self._persons.of(fields, self.year, file, line)
        if self.form == "11F":
            case = self._persons.case(person, fields.get("PERSON_JOURNALNR", ""))
            return self._recipient(ctx, municipality, district, person, case), findings
        return self._participant(ctx, municipality, district, person), findings

    def _district(self, fields: Mapping[str, str]) -> str | None:
        municipality, bydel = fields.get("KOMMUNE_NR", ""), fields.get("BYDELSNR", "")
        if bydel in self._lookups.districts.get(municipality, ()):
            return municipality + bydel
        return None

    def _birth_year(self, ctx: RecordContext) -> int | None:
        if ctx.has("FODSELSDATO"):
            born = ctx.date_or_none("FODSELSDATO")
            if born is not None:
                return born.year
        from_fnr = birth_date(ctx.text("PERSON_FODSELSNR"), self.year)
        return None if from_fnr is None else from_fnr.year

    def _recipient(
        self,
        ctx: RecordContext,
        municipality: str,
        district: str | None,
        person: bytes,
        case: bytes,
    ) -> RecipientRecord:
        negatives = 0
        gross = [0] * 12
        get = ctx.fields.get
        for kind in ("BIDRAG", "LAAN"):
            negatives += ctx.int_or_zero(kind) < 0
            for index, name in enumerate(_MONTHLY[kind]):
                text = get(name, "")
                if not text:
                    continue
                value = int(text) if text.isdigit() and text.isascii() else ctx.int_or_zero(name)
                if value < 0:
                    negatives += 1
                else:
                    gross[index] += value
        yearly = max(ctx.int_or_zero("BIDRAG"), 0) + max(ctx.int_or_zero("LAAN"), 0)
        birth_year = self._birth_year(ctx)
        return RecipientRecord(
            municipality=municipality,
            district=district,
            months=ctx.months_marked(),
            under_30=birth_year is not None and self.year - birth_year < UNDER_30_AGE,
            with_children=ctx.text("BU18") == "1",
            main_livelihood=ctx.text("VKLO") == "5",
            monthly_kroner=tuple(gross),
            yearly_kroner=yearly,
            negative_amounts=negatives,
            person=person,
            case=case,
        )

    @staticmethod
    def _participant(
        ctx: RecordContext, municipality: str, district: str | None, person: bytes
    ) -> QpRecord:
        negatives = int(ctx.int_or_zero("KVP_STONAD") < 0)
        return QpRecord(municipality, district, ctx.months_marked(), negatives, person)
