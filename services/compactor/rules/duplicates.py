"""Duplicate rules 005A (fødselsnummer) and 005B (journalnummer), with each form's semantics.

SSB's validator sees one municipality's file (in Oslo one district's) and flags every
record of a group that shares a number:

- 11F 005A: records with a valid fødselsnummer (check digits) sharing it; 005B: records
  sharing a journal number.
- 11CF 005A: fødselsnummer (or D-number) *together with STATUS*: the same person in two
  spells with different status is not a duplicate; 005B: journal number. Oslo is exempt
  from both.

A duplicate is an ERROR that a municipality must look at; it does not stop a record from
being counted (persons are counted once by ``derive``, whatever their records).

``DuplicateDetector`` streams: it remembers a keyed hash of each number per unit with the
line and journal number of its first record, and reports a group's first record when the
second one arrives. Person numbers are never kept in clear, put in a message or returned.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from services.compactor.rules.base import (
    OSLO,
    RecordContext,
    Rule,
    RuleFinding,
    Severity,
    cross_record,
)
from services.compactor.rules.persons import is_valid_fnr, is_valid_fnr_or_dnr

FNR_DUPLICATES = Rule(
    "005A", "Kontroll 05A : Fødselsnummer, dubletter", ("PERSON_FODSELSNR",), Severity.ERROR,
    cross_record, scope="duplicates",
)  # fmt: skip
JOURNAL_DUPLICATES = Rule(
    "005B", "Kontroll 05B : Journalnummer, dubletter", ("PERSON_JOURNALNR",), Severity.ERROR,
    cross_record, scope="duplicates",
)  # fmt: skip


def rules_for(form: str) -> tuple[Rule, ...]:
    return FNR_DUPLICATES, JOURNAL_DUPLICATES


@dataclass(slots=True)
class _Group:
    first_line: int
    first_journal: str
    size: int = 1


def unit_of(ctx: RecordContext) -> str:
    """The reporting unit a duplicate is looked for in: municipality, or Oslo + district."""
    municipality = ctx.text("KOMMUNE_NR")
    if municipality == OSLO:
        return municipality + ctx.text("BYDELSNR")
    return municipality


class DuplicateDetector:
    """Finds 005A/005B duplicates of one form as records stream by."""

    def __init__(self, form: str, key: bytes | None = None) -> None:
        self.form = form
        self._key = key if key is not None else secrets.token_bytes(16)
        self._groups: dict[bytes, _Group] = {}

    def _digest(self, *parts: str) -> bytes:
        return hashlib.blake2b("\x1f".join(parts).encode(), key=self._key, digest_size=16).digest()

    def check(self, ctx: RecordContext, line: int) -> list[tuple[int, RuleFinding]]:
        """Findings ``(line, finding)`` this record brings to light (its own and, for a new
        group, the group's first record)."""
        if self.form == "11CF" and ctx.text("KOMMUNE_NR") == OSLO:
            return []
        unit, journal = unit_of(ctx), ctx.text("PERSON_JOURNALNR")
        found: list[tuple[int, RuleFinding]] = []
        fnr = ctx.text("PERSON_FODSELSNR")
        if self.form == "11CF":
            person = (
                self._digest(unit, "fnr", fnr, ctx.text("STATUS"))
                if is_valid_fnr_or_dnr(fnr, ctx.year)
                else None
            )
        else:
            person = self._digest(unit, "fnr", fnr) if is_valid_fnr(fnr) else None
        if person is not None:
            group = self._seen(person, line, journal)
            if group is not None:
                found += self._person_findings(group, line, journal)
        group = self._seen(self._digest(unit, "journal", journal), line, journal)
        if group is not None:
            found += self._journal_findings(group, line, journal)
        return found

    def _seen(self, digest: bytes, line: int, journal: str) -> _Group | None:
        group = self._groups.get(digest)
        if group is None:
            self._groups[digest] = _Group(line, journal)
            return None
        group.size += 1
        return group

    @staticmethod
    def _person_findings(group: _Group, line: int, journal: str) -> list[tuple[int, RuleFinding]]:
        def finding(own: str, first: str) -> RuleFinding:
            other = "" if first == own else first  # SSB lists the other journal numbers
            return RuleFinding(
                FNR_DUPLICATES.id, FNR_DUPLICATES.title, "PERSON_FODSELSNR", Severity.ERROR,
                f"Fødselsnummeret i journalnummer {own} fins også i journalene {other}.",
            )  # fmt: skip

        found = [(line, finding(journal, group.first_journal))]
        if group.size == 2:
            found.insert(0, (group.first_line, finding(group.first_journal, journal)))
        return found

    @staticmethod
    def _journal_findings(group: _Group, line: int, journal: str) -> list[tuple[int, RuleFinding]]:
        def finding() -> RuleFinding:
            return RuleFinding(
                JOURNAL_DUPLICATES.id, JOURNAL_DUPLICATES.title, "PERSON_JOURNALNR",
                Severity.ERROR, f"Journalnummer {journal} forekommer {group.size} ganger.",
            )  # fmt: skip

        found = [(line, finding())]
        if group.size == 2:
            found.insert(0, (group.first_line, finding()))
        return found
