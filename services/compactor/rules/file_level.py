"""File-level rules: 000 (attachment / one-space file), 001 (record length), 002 (file description).

Pure. The reader calls ``is_one_space_file`` on a file's first bytes (000), then
``record_line_violation`` on each raw line (001) before the record rules run, and, for
11F (SSB runs 002 for 11F only), ``FileDescription.check`` on each decoded record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contracts.kostra.layout import Layout
from services.compactor.rules.base import (
    Rule,
    RuleFinding,
    Severity,
    cross_record,
    parse_date,
    parse_int,
)

ATTACHMENT = Rule(
    "000", "Kontroll 000 : Skal levere filuttrekk", ("record",), Severity.FATAL, cross_record,
    scope="file",
)  # fmt: skip
RECORD_LENGTH = Rule(
    "001", "Kontroll 001 : Recordlengde", ("record",), Severity.FATAL, cross_record, scope="file"
)
FILE_DESCRIPTION = Rule(
    "002", "Kontroll 002 : Filbeskrivelse", ("record",), Severity.ERROR, cross_record,
    years=frozenset({2026}), scope="file",
)  # fmt: skip


def rules_for(form: str) -> tuple[Rule, ...]:
    """The file-level rules of ``form``: SSB runs 002 for 11F only, from 2026."""
    if form == "11F":
        return ATTACHMENT, RECORD_LENGTH, FILE_DESCRIPTION
    return ATTACHMENT, RECORD_LENGTH


def is_one_space_file(head: bytes) -> bool:
    """True for the file a municipality with no recipients delivers: one space (000).

    SSB accepts it (severity OK) when the form says there are no recipients; it holds no
    record, so nothing is counted and nothing else is checked. A line terminator after
    the space is tolerated.
    """
    return head.rstrip(b"\r\n") == b" "


def record_line_violation(line: str, expected: int) -> RuleFinding | None:
    """001: a record must be exactly ``expected`` characters and hold no tab (FATAL)."""
    if len(line) == expected and "\t" not in line:
        return None
    tab = " Posten inneholder tabulator." if "\t" in line else ""
    return RuleFinding(
        RECORD_LENGTH.id,
        RECORD_LENGTH.title,
        "record",
        Severity.FATAL,
        f"Korrigér filen slik at alle records er på {expected} tegn. Fant record med lengde på "
        f"{len(line)} tegn.{tab} Mellomrom brukes for alle blanke posisjoner og avslutter med "
        "linjeskift. Posten er ikke talt.",
    )


_BLANK_ALLOWED = frozenset({"BYDELSNR"})
"""Mandatory in SSB's layout, yet blank outside Oslo by 003B; the project lets 003B decide
(SSB's 002 would flag every record outside Oslo)."""


@dataclass(frozen=True, slots=True)
class _FieldCheck:
    name: str
    where: str
    mandatory: bool
    kind: str
    pattern: str
    codes: frozenset[str]


class FileDescription:
    """002 for one layout: mandatory fields filled, numbers are numbers, dates are dates,
    coded fields hold one of their codes."""

    def __init__(self, layout: Layout, codes: Mapping[str, frozenset[str]]) -> None:
        self._checks = tuple(
            _FieldCheck(
                spec.name,
                f"posisjon fra og med {spec.start} til og med {spec.start + spec.size - 1}",
                spec.mandatory,
                spec.type,
                spec.date_pattern,
                codes.get(spec.name, frozenset()),
            )
            for spec in layout.fields
            if spec.mandatory or spec.type != "string" or spec.name in codes
        )

    def check(self, fields: Mapping[str, str]) -> list[RuleFinding]:
        found: list[RuleFinding] = []
        get = fields.get
        for check in self._checks:
            value = get(check.name, "")
            if not value:
                if not check.mandatory or check.name in _BLANK_ALLOWED:
                    continue
            elif check.kind == "string":
                if not check.codes or value in check.codes:
                    continue
            elif check.kind == "integer" and value.isdigit() and value.isascii():
                continue
            problem = self._problem(check, value)
            if problem is not None:
                suffix, text = problem
                found.append(
                    RuleFinding(
                        FILE_DESCRIPTION.id,
                        f"{FILE_DESCRIPTION.title}, {suffix}",
                        check.name,
                        Severity.ERROR,
                        f"Korrigér felt '{check.name}', {check.where}, {text}",
                    )
                )
        return found

    @staticmethod
    def _problem(check: _FieldCheck, value: str) -> tuple[str, str] | None:
        if not value:
            if check.mandatory and check.name not in _BLANK_ALLOWED:
                return "mangler obligatorisk verdi", "mangler obligatorisk verdi."
            return None
        if check.kind == "integer":
            if parse_int(value) is None:
                return "feil i heltall-felt", f"er et tallfelt, men inneholder '{value}'."
            return None
        if check.kind == "date":
            if parse_date(value, check.pattern) is None:
                return (
                    "feil i dato-felt",
                    f"er et datofelt med datomønster '{check.pattern.upper()}', men inneholder "
                    f"'{value}'.",
                )
            return None
        if check.codes and value not in check.codes:
            return "feil kode", f"sin kode '{value}' fins ikke i {sorted(check.codes)}."
        return None
