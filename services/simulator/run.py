"""``simulate``: generate one synthetic year and write every output file into a directory.

Files (see docs/simulation.md): ``reports.jsonl``, ``faults.jsonl``, ``11F.dat``,
``11CF.dat``, ``form_faults.jsonl``, ``accounts.csv``, ``truth.json`` and ``run.json``
(sizes and settings) — all byte-identical for the same year, seed, scale and fault
profile. How long a run took is in the returned summary, never in the output directory
(``sosialpuls simulate`` prints it, or writes it to ``--timings FILE``). The microdata stay
in memory.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.kostra import ENCODING, YEARS, load_layout
from contracts.registry import Registry
from services.simulator.accounts import accounts
from services.simulator.delivery import OFFICE_SOURCE, SOURCES, Delivery, DeliveryPlanner
from services.simulator.faults import FaultInjector, report_json
from services.simulator.forms import build_records, encode_lines, inject_form_faults
from services.simulator.indicators import Values, add, area_months, period, zero
from services.simulator.microdata import PeopleGenerator
from services.simulator.params import (
    DeliveryParameters,
    FaultParameters,
    FaultProfile,
    ModelParameters,
)
from services.simulator.truth import Table, rollups
from services.simulator.world import Area, build_areas


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate: ``year`` 2024–2026 (the years with SSB layouts), seed, scale of
    the population (1.0 = all of Norway) and fault profile."""

    year: int
    seed: int
    scale: float = 1.0
    faults: FaultProfile = "none"
    model: ModelParameters = field(default_factory=ModelParameters)
    delivery: DeliveryParameters = field(default_factory=DeliveryParameters)
    fault_params: FaultParameters = field(default_factory=FaultParameters)

    def __post_init__(self) -> None:
        if self.year not in YEARS:
            raise ValueError(f"year {self.year}: SSB layouts exist for {min(YEARS)}–{max(YEARS)}")
        if not 0 < self.scale <= 10:
            raise ValueError(f"scale {self.scale} must be in (0, 10]")


@dataclass(frozen=True)
class SimulationSummary:
    """Sizes and time of one run (`seconds` is the only figure not written to run.json)."""

    persons: int
    records_11f: int
    records_11cf: int
    events: int
    fault_lines: int
    bytes_written: int
    seconds: float


def _write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> int:
    text = "".join(f"{line}\n" for line in lines)
    path.write_text(text, encoding=encoding, newline="\n")
    return len(text.encode(encoding))


def _plan_reports(
    config: SimulationConfig, registry: Registry, areas: list[Area], table: list[list[Values]]
) -> tuple[list[Delivery], Table, dict[str, list[str]], list[str]]:
    planner = DeliveryPlanner(config.year, config.seed, config.delivery)
    choose = random.Random(f"sosialpuls:{config.seed}:units")
    reported: Table = {}
    never: dict[str, list[str]] = {}
    deliveries: list[Delivery] = []

    def unit(unit_type: str, code: str, values_of: Callable[[int], Values], source: str) -> None:
        sloppy = planner.is_sloppy()
        for month in range(1, 13):
            final = values_of(month - 1)
            batch = planner.unit_month(unit_type, code, month, final, sloppy, source)
            key = f"{unit_type}:{code}"
            if batch:
                deliveries.extend(batch)
                reported.setdefault(key, {})[period(config.year, month - 1)] = final
            else:
                never.setdefault(key, []).append(period(config.year, month - 1))

    for index, area in enumerate(areas):

        def area_values(m: int, i: int = index) -> Values:
            return table[i][m]

        unit(area.unit_type, area.code, area_values, choose.choice(SOURCES))
    index_of = {area.key: i for i, area in enumerate(areas)}
    offices = registry.expected_units(f"{config.year}-01", "nav_office")
    share = config.delivery.office_reporter_share
    reporters = sorted(choose.sample(offices, round(len(offices) * share)))
    for office in reporters:
        members = [
            index_of[f"{t}:{c}"] for t, c in registry.areas_of_office(office, f"{config.year}-01")
        ]

        def office_values(m: int, members: list[int] = members) -> Values:
            total = zero()
            for i in members:
                add(total, table[i][m])
            return total

        unit("nav_office", office, office_values, OFFICE_SOURCE)
    if config.faults == "standard":
        injector = FaultInjector(registry, planner, config.seed, config.fault_params)
        deliveries = injector.inject(deliveries)
    deliveries.sort(key=lambda d: (d.delivered_at, d.seq))
    return deliveries, reported, never, reporters


def _form_derived(areas: list[Area], table: list[list[Values]], year: int) -> dict[str, Table]:
    """Monthly values derivable from the forms: per municipality, and per Oslo district."""
    out: dict[str, Table] = {"municipality": {}, "district": {}}
    for index, area in enumerate(areas):
        for m in range(12):
            p = period(year, m)
            cell = out["municipality"].setdefault(area.municipality, {}).setdefault(p, zero())
            add(cell, table[index][m])
            if area.bydelsnr:
                out["district"].setdefault(area.code, {})[p] = dict(table[index][m])
    return out


def simulate(
    config: SimulationConfig, out_dir: Path, progress: Callable[[str], None] = lambda _: None
) -> SimulationSummary:
    """Generate the year described by ``config`` and write its files into ``out_dir``."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    year = config.year
    registry = Registry.load()
    areas = build_areas(registry, year, config.model, config.seed)
    people = PeopleGenerator(year, config.scale, config.seed, config.model).people(areas)
    table = area_months(people, len(areas), year)
    progress(f"microdata: {len(people)} persons in {len(areas)} areas")

    deliveries, reported, never, reporters = _plan_reports(config, registry, areas, table)
    report_lines, fault_tags = [], []
    for line_no, d in enumerate(deliveries, start=1):
        report_lines.append(report_json(d.report) if d.report is not None else d.raw or "")
        if d.kind is not None:
            fault_tags.append(
                {"line": line_no, "event_id": d.event_id, "kind": d.kind, "reason": d.reason}
            )
    size = _write_lines(out_dir / "reports.jsonl", report_lines)
    size += _write_lines(
        out_dir / "faults.jsonl", [json.dumps(t, sort_keys=True) for t in fault_tags]
    )
    progress(f"reports: {len(report_lines)} lines, {len(fault_tags)} injected faults")

    layout_f, layout_cf = load_layout("11F", year), load_layout("11CF", year)
    f_records, cf_records = build_records(people, areas, layout_f, layout_cf, config.seed)
    if config.faults == "standard":
        f_records = inject_form_faults(f_records, "11F", year, config.seed, config.fault_params)
        cf_records = inject_form_faults(cf_records, "11CF", year, config.seed, config.fault_params)
    f_lines, f_tags = encode_lines(f_records, layout_f)
    cf_lines, cf_tags = encode_lines(cf_records, layout_cf)
    size += _write_lines(out_dir / "11F.dat", f_lines, ENCODING)
    size += _write_lines(out_dir / "11CF.dat", cf_lines, ENCODING)
    form_tags = [json.dumps(t, sort_keys=True) for t in f_tags + cf_tags]
    size += _write_lines(out_dir / "form_faults.jsonl", form_tags)
    progress(f"forms: 11F {len(f_lines)} records, 11CF {len(cf_lines)} records")

    derived = _form_derived(areas, table, year)
    yearly = {
        code: sum(v["kroner_paid"] for v in months.values())
        for code, months in derived["municipality"].items()
    }
    account_lines, outliers = accounts(yearly, year, config.seed, config.fault_params)
    size += _write_lines(out_dir / "accounts.csv", account_lines)

    periods = [period(year, m) for m in range(12)]
    events = sum(1 for d in deliveries if d.kind is None)
    truth: dict[str, Any] = {
        "year": year,
        "seed": config.seed,
        "scale": config.scale,
        "faults": config.faults,
        "units": reported,
        "never_reported": never,
        "nav_office_reporters": reporters,
        "rollups": rollups(reported, registry, periods),
        "form_derived": derived,
        "accounts": {"form_kroner": yearly, "outliers": outliers},
        "summary": {
            "persons": len(people),
            "records_11f": len(f_lines),
            "records_11cf": len(cf_lines),
            "events": events,
            "lines": len(report_lines),
            "fault_lines": len(fault_tags),
            "form_fault_lines": len(form_tags),
        },
    }
    text = json.dumps(truth, sort_keys=True, separators=(",", ":"))
    size += _write_lines(out_dir / "truth.json", [text])
    seconds = time.perf_counter() - started
    summary = SimulationSummary(
        len(people), len(f_lines), len(cf_lines), events, len(fault_tags), size, round(seconds, 3)
    )
    run = {
        **{k: v for k, v in summary.__dict__.items() if k != "seconds"},
        "year": year,
        "seed": config.seed,
        "scale": config.scale,
        "faults": config.faults,
    }
    (out_dir / "run.json").write_text(
        json.dumps(run, sort_keys=True, indent=2) + "\n", encoding="utf-8"
    )
    return summary
