"""File-level rules: 000 (attachment / one-space file), 001 (record length), 002 (file description).

The rules are declared here as data; ``check_attachment`` and ``check_record_line`` are the
pure checks the reader calls on a file's raw text and on each raw line before the record
rules run. 002 (11F only in SSB) checks every layout field's type and mandatoriness.
"""

from __future__ import annotations

from services.compactor.rules.base import Rule, Severity, cross_record

ATTACHMENT = Rule(
    "000", "Kontroll 000 : Skal levere filuttrekk", ("record",), Severity.FATAL, cross_record,
    scope="file",
)  # fmt: skip
RECORD_LENGTH = Rule(
    "001", "Kontroll 001 : Recordlengde", ("record",), Severity.FATAL, cross_record, scope="file"
)
FILE_DESCRIPTION = Rule(
    "002", "Kontroll 002 : Filbeskrivelse", ("record",), Severity.ERROR, cross_record,
    scope="file",
)  # fmt: skip


def rules_for(form: str) -> tuple[Rule, ...]:
    """The file-level rules of ``form``: SSB runs 002 for 11F only."""
    if form == "11F":
        return ATTACHMENT, RECORD_LENGTH, FILE_DESCRIPTION
    return ATTACHMENT, RECORD_LENGTH
