"""One compaction: read and control the forms, derive, reconcile, write the reports.

The stream's facts are passed in (read by ``facts.read_stream_facts`` or made by a test
or the benchmark), so this runs the same with or without a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.compactor.adapters.form_files import FormReader, ReadStats, input_files, read_accounts
from services.compactor.adapters.html_report import write_html
from services.compactor.adapters.report_files import (
    ControlsWriter,
    write_accounts_csv,
    write_reconciliation_csv,
    write_reconciliation_json,
)
from services.compactor.config import CompactorSettings
from services.compactor.controls import MunicipalityCheck
from services.compactor.derive import FormDerivation, UnitFigures, UnitKey
from services.compactor.reconcile import (
    AccountsRow,
    ReconRow,
    StreamFacts,
    check_accounts,
    reconcile_units,
)
from services.compactor.summary import Summary, summarise

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CompactionInputs:
    """The files of one compaction (each form: a file or a folder of files)."""

    year: int
    skjema11: Path
    skjema11c: Path
    accounts: Path | None = None

    def digest(self) -> str:
        """sha256 over the year and the content of every input file, per role.

        File names and folder layout do not count: the same data under another name is
        the same input.
        """
        sha = hashlib.sha256(f"sosialpuls-compact-v1:{self.year}\n".encode())
        roles = [("skjema11", input_files(self.skjema11))]
        roles.append(("skjema11c", input_files(self.skjema11c)))
        if self.accounts is not None:
            roles.append(("accounts", [self.accounts]))
        for role, paths in roles:
            digests = sorted(_file_digest(path) for path in paths)
            sha.update(f"{role}:{','.join(digests)}\n".encode())
        return sha.hexdigest()


def _file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        while block := data.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


@dataclass(slots=True)
class CompactionResult:
    """What a compaction produced, for sealing and for the caller's summary."""

    year: int
    input_digest: str
    figures: dict[UnitKey, UnitFigures]
    rows: list[ReconRow]
    accounts: list[AccountsRow]
    summary: Summary
    reading: dict[str, Any]


def _stats(stats: ReadStats) -> dict[str, Any]:
    return {
        "files": stats.files,
        "records_read": stats.records_read,
        "records_accepted": stats.records_accepted,
        "records_skipped": stats.records_skipped,
        "empty_files": stats.empty_files,
        "negative_amounts_set_to_zero": stats.negative_amounts,
        "findings": dict(stats.findings),
    }


def run_compaction(
    inputs: CompactionInputs,
    out_dir: Path,
    facts: StreamFacts,
    *,
    settings: CompactorSettings,
    municipality_problem: MunicipalityCheck,
    names: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> CompactionResult:
    """Read, control, derive, reconcile and write every report into ``out_dir``."""
    say = progress or (lambda _message: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    digest = inputs.digest()
    derivation = FormDerivation()
    with ControlsWriter(out_dir / "controls.csv") as controls:
        reader = FormReader(inputs.year, municipality_problem, controls, say)
        f11 = reader.read_recipients(input_files(inputs.skjema11), derivation)
        say(f"11F: {f11.records_read:,} records read, {f11.records_accepted:,} accepted")
        f11c = reader.read_participants(input_files(inputs.skjema11c), derivation)
        say(f"11CF: {f11c.records_read:,} records read, {f11c.records_accepted:,} accepted")
    figures = derivation.figures()
    accounts = read_accounts(inputs.accounts, inputs.year) if inputs.accounts else {}
    rows = reconcile_units(figures, facts, settings.tolerances())
    say(f"reconciled {len({(r.unit_type, r.unit_code) for r in rows}):,} units")
    accounts_rows = check_accounts(figures, facts, accounts, settings.accounts_threshold)
    summary = summarise(rows, accounts_rows)
    reading = {"11F": _stats(f11), "11CF": _stats(f11c), "accounts_municipalities": len(accounts)}
    write_reconciliation_csv(out_dir / "reconciliation.csv", rows, inputs.year)
    write_accounts_csv(out_dir / "accounts_check.csv", accounts_rows)
    write_reconciliation_json(
        out_dir / "reconciliation.json",
        year=inputs.year,
        input_digest=digest,
        tolerances=settings.tolerances(),
        summary=summary,
        rows=rows,
        accounts=accounts_rows,
        reading=reading,
    )
    write_html(
        out_dir / "report.html",
        year=inputs.year,
        summary=summary,
        rows=rows,
        accounts=accounts_rows,
        controls=controls.by_municipality,
        findings=controls.summary,
        names=names or {},
    )
    say(f"reports written to {out_dir}")
    return CompactionResult(inputs.year, digest, figures, rows, accounts_rows, summary, reading)
