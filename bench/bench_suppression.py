"""Secondary suppression on the national demo year: the old greedy against the new method.

Simulates 2025 (seed 2025, scale 1) in process, builds each month's table of every level and
indicator with every relation the feeds publish (``services.feeds.patterns``), and runs each
method on it. Per month and method: suppressed and primary cells, the municipality level's
hidden share of recipients and kroner, the largest hidden municipality, county/nation cells
hidden without being primary, recoverable cells (the exact check) and CPU seconds. Writes
bench/results/suppression.json.

    .venv/bin/python bench/bench_suppression.py [--methods greedy,gauss] [--months 1-12]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.registry import Registry
from services.feeds.names import Names
from services.feeds.patterns import cell_values, period_relations, truth_rows
from services.feeds.suppression import (
    KRONER,
    RECIPIENTS,
    SUPPRESSED,
    CellKey,
    Relation,
    determined_cells,
    known_to_reader,
    suppress,
)

RESULT = Path(__file__).resolve().parent / "results" / "suppression.json"
TABLE = RESULT.with_suffix(".md")
Method = Callable[[Mapping[CellKey, int | None], list[Relation]], set[CellKey]]


def simulated_rows(
    year: int, seed: int, scale: float, truth_file: Path | None = None
) -> list[dict[str, Any]]:
    """``rollup_month``-shaped rows of the simulated year's truth (what the feeds read);
    ``truth_file``: a ``truth.json`` simulated before, instead of simulating again."""
    from services.simulator import SimulationConfig, simulate

    if truth_file is None:
        with tempfile.TemporaryDirectory(prefix="bench-supp-") as tmp:
            simulate(SimulationConfig(year, seed, scale, "none"), Path(tmp))
            truth = json.loads((Path(tmp) / "truth.json").read_text(encoding="utf-8"))
    else:
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
    return truth_rows(truth["rollups"])


def hidden_by(values: Mapping[CellKey, int | None], relations: list[Relation]) -> set[CellKey]:
    return {k for k, c in suppress(values, relations).items() if c.status == SUPPRESSED}


def methods() -> dict[str, Method]:
    from bench.suppression_greedy import greedy_hidden

    out: dict[str, Method] = {"greedy (old)": greedy_hidden, "new": hidden_by}
    try:
        from bench.suppression_milp import milp_hidden
    except ImportError as e:  # highspy is in the bench extra
        print(f"no MILP reference: {e}", file=sys.stderr)
    else:
        out["MILP (highspy)"] = milp_hidden
    return out


def measure(
    values: Mapping[CellKey, int | None], relations: list[Relation], method: Method
) -> dict[str, Any]:
    started = time.process_time()
    hidden = method(values, relations)
    cpu = time.process_time() - started
    primary = hidden_by(values, [])

    def level(k: CellKey) -> str:
        return k.unit.split(":", 1)[0]

    def share(indicator: str) -> float:
        cells = [k for k in values if level(k) == "municipality" and k.indicator == indicator]
        total = sum(values[k] or 0 for k in cells)
        return round(100 * sum(values[k] or 0 for k in cells if k in hidden) / total, 3)

    muni = [k for k in hidden if level(k) == "municipality" and k.indicator == RECIPIENTS]
    largest = max(muni, key=lambda k: values[k] or 0, default=None)
    return {
        "suppressed_cells": len(hidden),
        "primary_cells": len(primary),
        "municipality_recipients_suppressed": len(muni),
        "municipality_recipients_primary": sum(
            1 for k in primary if level(k) == "municipality" and k.indicator == RECIPIENTS
        ),
        "hidden_share_recipients_pct": share(RECIPIENTS),
        "hidden_share_kroner_pct": share(KRONER),
        "largest_hidden": None if largest is None else [largest.unit, values[largest]],
        "county_nation_hidden_not_primary": sorted(
            f"{k.unit}/{k.indicator}" for k in hidden - primary if level(k) in ("county", "nation")
        ),
        "recoverable_cells": len(determined_cells(relations, hidden)),
        "cpu_seconds": round(cpu, 3),
    }


def viewers(
    values: Mapping[CellKey, int | None], relations: list[Relation], public: set[CellKey]
) -> dict[str, Any]:
    """The views of the municipalities whose own figures are hidden from others (only they
    can use their own figures against the totals): how many cells their pattern adds, the
    largest hidden share of recipients, and recoverable cells (beyond what they know)."""
    munis = sorted({k.unit for k in public if k.unit.startswith("municipality:")})
    cells = [k for k in values if k.unit.startswith("municipality:") and k.indicator == RECIPIENTS]
    total = sum(values[k] or 0 for k in cells)
    worst, extra, leaks, cpu = 0.0, 0, 0, 0.0
    for unit in munis:
        own = frozenset(k for k in values if k.unit == unit)
        started = time.process_time()
        view = suppress(values, relations, own, public)
        cpu = max(cpu, time.process_time() - started)
        hidden = {k for k, c in view.items() if c.status == SUPPRESSED}
        known = known_to_reader(values, relations, own)
        leaks += len(determined_cells(relations, hidden) - known)
        extra = max(extra, len(hidden - public))
        worst = max(worst, 100 * sum(values[k] or 0 for k in cells if k in hidden) / total)
    return {
        "viewers": len(munis),
        "max_extra_cells": extra,
        "max_hidden_share_recipients_pct": round(worst, 3),
        "recoverable_cells": leaks,
        "max_cpu_seconds": round(cpu, 3),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--methods", default="")
    parser.add_argument("--months", default="1-12")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--truth", type=Path, help="a truth.json simulated before")
    args = parser.parse_args(argv)
    lo, _, hi = args.months.partition("-")
    months = range(int(lo), int(hi or lo) + 1)
    chosen = {
        k: v
        for k, v in methods().items()
        if not args.methods or any(m in k for m in args.methods.split(","))
    }
    rows = simulated_rows(args.year, args.seed, args.scale, args.truth)
    names = Names(Registry.load())
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in chosen}
    for month in months:
        period = f"{args.year:04d}-{month:02d}"
        values = cell_values(r for r in rows if r["period"] == period)
        relations = period_relations(values, names, period)
        for name, method in chosen.items():
            row = {"period": period, **measure(values, relations, method)}
            if name == "new":
                row["municipality_viewers"] = viewers(
                    values, relations, hidden_by(values, relations)
                )
            results[name].append(row)
            print(name, json.dumps(row), flush=True)
    summary = {name: summarise(rows_) for name, rows_ in results.items()}
    out = {
        "year": args.year,
        "seed": args.seed,
        "scale": args.scale,
        "methods": results,
        "summary": summary,
        "headline": {
            f"{name}: {metric}": value for name, s in summary.items() for metric, value in s.items()
        },
    }
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    TABLE.write_text(markdown(results))
    print(json.dumps(summary, indent=2))
    return 0


def markdown(results: Mapping[str, list[dict[str, Any]]]) -> str:
    """Per month and method, the table docs/suppression.md quotes."""
    lines = [
        "| month | method | cells hidden (all) | primary | municipalities hidden (recipients) "
        "| of them primary | hidden recipients % | hidden kroner % | largest hidden "
        "| county/nation not primary | recoverable | CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    periods = sorted({r["period"] for rows in results.values() for r in rows})
    for period in periods:
        for name, rows in results.items():
            for r in rows:
                if r["period"] != period:
                    continue
                largest = r["largest_hidden"]
                lines.append(
                    f"| {period} | {name} | {r['suppressed_cells']} | {r['primary_cells']} "
                    f"| {r['municipality_recipients_suppressed']} "
                    f"| {r['municipality_recipients_primary']} "
                    f"| {r['hidden_share_recipients_pct']} | {r['hidden_share_kroner_pct']} "
                    f"| {largest[0] + ' (' + str(largest[1]) + ')' if largest else '–'} "
                    f"| {len(r['county_nation_hidden_not_primary'])} | {r['recoverable_cells']} "
                    f"| {r['cpu_seconds']} |"
                )
    return "\n".join(lines) + "\n"


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "max hidden recipients % (municipality)": max(
            r["hidden_share_recipients_pct"] for r in rows
        ),
        "max hidden kroner % (municipality)": max(r["hidden_share_kroner_pct"] for r in rows),
        "max suppressed/primary (municipality recipients)": max(
            round(
                r["municipality_recipients_suppressed"]
                / max(1, r["municipality_recipients_primary"]),
                2,
            )
            for r in rows
        ),
        "county/nation cells hidden, not primary": sum(
            len(r["county_nation_hidden_not_primary"]) for r in rows
        ),
        "recoverable cells": sum(r["recoverable_cells"] for r in rows),
        "max CPU s per month": max(r["cpu_seconds"] for r in rows),
        **(
            {
                "viewers: max hidden recipients %": max(
                    r["municipality_viewers"]["max_hidden_share_recipients_pct"] for r in rows
                ),
                "viewers: recoverable cells": sum(
                    r["municipality_viewers"]["recoverable_cells"] for r in rows
                ),
            }
            if all("municipality_viewers" in r for r in rows)
            else {}
        ),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
