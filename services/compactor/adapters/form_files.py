"""Streaming readers of the inputs: Skjema 11F / 11CF files and the function 281 accounts.

Form files are read line by line through ``contracts.kostra`` (ISO-8859-1, fixed width,
SSB's layout of the year); each record is controlled and, if accepted, handed to a
``FormDerivation``; findings go to a sink as they arise, so memory stays flat whatever
the file size. Every layout field is cut out of each line, for SSB's whole control set.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from contracts.kostra import Layout, iter_records, load_layout
from services.compactor.config import ACCOUNTS_FUNCTION, ACCOUNTS_UNIT_KRONER
from services.compactor.controls import (
    Finding,
    MunicipalityCheck,
    QpRecord,
    RecipientRecord,
    RecordControl,
    Severity,
    check_length,
)
from services.compactor.derive import FormDerivation
from services.compactor.rules.file_level import is_one_space_file

FindingSink = Callable[[Finding], None]
Progress = Callable[[str], None]


@dataclass(slots=True)
class ReadStats:
    """What reading one form produced (counts only)."""

    files: int = 0
    records_read: int = 0
    records_accepted: int = 0
    records_skipped: int = 0
    negative_amounts: int = 0
    empty_files: int = 0
    """Files of one space: the municipality declares no recipients (rule 000, accepted)."""
    findings: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Severity})


def input_files(path: Path) -> list[Path]:
    """``path`` itself, or the regular non-hidden files in the folder ``path``, sorted."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if path.is_file():
        return [path]
    raise FileNotFoundError(f"no form file or folder at {path}")


def field_cutter(
    layout: Layout, names: tuple[str, ...] | None = None
) -> Callable[[str], dict[str, str]]:
    """A function giving the stripped values of ``names`` (default: every field) of a line.

    Equivalent to ``decode_record`` (restricted to ``names``), without its checks; a line
    shorter than the layout gives blank values for the missing fields.
    """
    specs = [spec for spec in layout.fields if names is None or spec.name in names]
    if names is None:  # every field: one regular expression cuts the whole record in C
        pattern = re.compile("".join(f"(.{{{spec.size}}})" for spec in specs), re.DOTALL)
        keys = tuple(spec.name for spec in specs)
        strip = str.strip

        def cut_all(line: str) -> dict[str, str]:
            match = pattern.match(line)
            if match is None:
                return {
                    name: line[spec.slice].strip() for name, spec in zip(keys, specs, strict=True)
                }
            return dict(zip(keys, map(strip, match.groups()), strict=True))

        return cut_all
    slices = [(spec.name, spec.slice) for spec in specs]

    def cut(line: str) -> dict[str, str]:
        return {name: line[where].strip() for name, where in slices}

    return cut


class FormReader:
    """Reads and controls the form files of one reporting year into a ``FormDerivation``."""

    def __init__(
        self,
        year: int,
        municipality_problem: MunicipalityCheck,
        sink: FindingSink,
        progress: Progress | None = None,
        progress_every: int = 100_000,
    ) -> None:
        self.year = year
        self._problem = municipality_problem
        self._sink = sink
        self._progress = progress
        self._every = progress_every

    def _records(
        self, form: str, paths: list[Path], stats: ReadStats
    ) -> Iterator[tuple[str, int, dict[str, str]]]:
        layout = load_layout(form, self.year)
        cut = field_cutter(layout)
        expected = layout.record_length
        for path in paths:
            stats.files += 1
            with path.open("rb") as head:
                if is_one_space_file(head.read(4)):
                    stats.empty_files += 1  # 000: no recipients declared; nothing to count
                    continue
            for line_no, line in iter_records(path, layout):
                stats.records_read += 1
                if self._progress and stats.records_read % self._every == 0:
                    self._progress(f"{form}: {stats.records_read:,} records read")
                bad = check_length(line, expected, form=form, file=path.name, line_no=line_no)
                if bad is not None:
                    self._emit(bad, stats)
                    stats.records_skipped += 1
                    continue
                yield path.name, line_no, cut(line)

    def _emit(self, finding: Finding, stats: ReadStats) -> None:
        stats.findings[finding.severity.value] += 1
        self._sink(finding)

    def read_recipients(self, paths: list[Path], derivation: FormDerivation) -> ReadStats:
        """Read 11F files: control each record, count accepted ones in ``derivation``."""
        return self._read("11F", paths, derivation)

    def read_participants(self, paths: list[Path], derivation: FormDerivation) -> ReadStats:
        """Read 11CF files: control each record, count accepted ones in ``derivation``."""
        return self._read("11CF", paths, derivation)

    def _read(self, form: str, paths: list[Path], derivation: FormDerivation) -> ReadStats:
        stats = ReadStats()
        control = RecordControl(form, self.year, municipality_problem=self._problem)
        for name, line_no, fields in self._records(form, paths, stats):
            record, findings = control.control(fields, file=name, line=line_no)
            for finding in findings:
                self._emit(finding, stats)
            if record is None:
                stats.records_skipped += 1
                continue
            stats.records_accepted += 1
            stats.negative_amounts += record.negative_amounts
            if isinstance(record, RecipientRecord):
                derivation.add_recipient(record)
            elif isinstance(record, QpRecord):
                derivation.add_participant(record)
        return stats


class AccountsError(ValueError):
    """The accounts file cannot be read as ``kommunenummer;aar;funksjon;art;belop``."""


def read_accounts(path: Path, year: int, arts: frozenset[str] | None = None) -> dict[str, int]:
    """Function 281 per municipality for ``year``, in kroner (the file has 1000 kr).

    Rows of other years or functions are ignored; ``arts`` limits the account types summed
    (None: all). Several rows of one municipality are summed.
    """
    totals: dict[str, Decimal] = {}
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    rows = csv.reader(text.splitlines(), delimiter=";")
    for number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and row[0].strip().lower() == "kommunenummer":
            continue
        if len(row) < 5:
            raise AccountsError(f"{path.name} line {number}: expected 5 columns, got {len(row)}")
        code, aar, function, art, amount = (cell.strip() for cell in row[:5])
        if aar != str(year) or function.lstrip("0") != ACCOUNTS_FUNCTION:
            continue
        if arts is not None and art not in arts:
            continue
        try:
            value = Decimal(amount.replace(",", ".").replace(" ", ""))
        except InvalidOperation as exc:
            raise AccountsError(f"{path.name} line {number}: amount {amount!r}") from exc
        totals[code.zfill(4)] = totals.get(code.zfill(4), Decimal(0)) + value
    return {code: round(value * ACCOUNTS_UNIT_KRONER) for code, value in totals.items()}
