"""Duplicate rules 005A (fødselsnummer) and 005B (journalnummer), with each form's semantics."""

from __future__ import annotations

from services.compactor.rules.base import Rule, Severity, cross_record

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
