"""The ``compact`` command as a handler: resolve dependencies, run, optionally seal."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contracts.registry import Registry, UnitRejected
from services.compactor.adapters.postgres_facts import read_stream_facts
from services.compactor.adapters.seal_store import SealOutcome, seal_year
from services.compactor.config import CompactorSettings, SealSettings
from services.compactor.controls import MunicipalityCheck
from services.compactor.pipeline import CompactionInputs, CompactionResult, run_compaction
from services.compactor.sealing import sealed_units
from services.storage.migrate import apply_migrations

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CompactOptions:
    """The command line of ``sosialpuls compact``."""

    inputs: CompactionInputs
    out_dir: Path
    database_url: str | None
    seal: bool = False
    reseal: bool = False
    kafka_brokers: str | None = None
    """Overrides ``KAFKA_BROKERS`` (e.g. the local stack's address from ``stack.json``)."""


def municipality_check(registry: Registry, year: int) -> MunicipalityCheck:
    """The registry's verdict on a kommunenummer for the reporting year (None = valid)."""
    period = f"{year}-01"
    verdicts: dict[str, str | None] = {}

    def problem(code: str) -> str | None:
        if code not in verdicts:
            try:
                registry.check_unit("municipality", code, period)
                verdicts[code] = None
            except UnitRejected as exc:
                verdicts[code] = exc.message
        return verdicts[code]

    return problem


def unit_names(registry: Registry, year: int) -> dict[str, str]:
    """Municipality and district names by code, for the HTML report."""
    period = f"{year}-01"
    names = {m.code: m.name for m in registry.municipalities(period)}
    names.update({d.code: d.name for d in registry.districts(period)})
    return names


def compact(options: CompactOptions, say: Say) -> tuple[CompactionResult, SealOutcome | None]:
    """Reconcile the year into ``options.out_dir`` and seal it when asked."""
    year = options.inputs.year
    registry = Registry.load()
    if options.database_url:
        applied = asyncio.run(apply_migrations(options.database_url))
        if applied:
            say("database migrations applied: " + ", ".join(applied))
        say(f"reading the stream's monthly facts for {year} from PostgreSQL")
        facts = asyncio.run(read_stream_facts(options.database_url, year))
        say(f"{len(facts):,} units with monthly reports in the stream")
    else:
        say("no database given: the stream is taken as empty")
        facts = {}
    result = run_compaction(
        options.inputs,
        options.out_dir,
        facts,
        settings=CompactorSettings(),
        municipality_problem=municipality_check(registry, year),
        names=unit_names(registry, year),
        progress=say,
    )
    if not (options.seal or options.reseal):
        return result, None
    if not options.database_url:
        raise ValueError("sealing needs PostgreSQL: give --database-url or set DATABASE_URL")
    settings = SealSettings()
    units = sealed_units(year, result.input_digest, result.rows, result.accounts)
    say(f"sealing {year}: {len(units):,} unit-years to {settings.annual_topic}")
    outcome = asyncio.run(
        seal_year(
            options.database_url,
            options.kafka_brokers or settings.kafka_brokers,
            settings.annual_topic,
            year=year,
            input_digest=result.input_digest,
            units=units,
            reseal=options.reseal,
            actor=getpass.getuser(),
        )
    )
    return result, outcome
