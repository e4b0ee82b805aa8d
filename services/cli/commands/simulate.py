"""`sosialpuls simulate`: one synthetic year of Norway, written into a directory."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from services.cli.display import Display
from services.simulator import SimulationConfig, simulate


def register(subparsers: Any) -> None:
    """Add the `simulate` command."""
    parser = subparsers.add_parser(
        "simulate",
        help="generate a synthetic year: reports, KOSTRA 11F/11CF, accounts, truth",
        description="Generate one synthetic year of social assistance (docs/simulation.md).",
    )
    parser.add_argument("--year", type=int, required=True, help="reporting year (2024–2026)")
    parser.add_argument(
        "--seed", type=int, required=True, help="random seed (same seed, same bytes)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--scale", type=float, default=1.0, help="population scale (1.0 = Norway)")
    parser.add_argument(
        "--faults", choices=("none", "standard"), default="none", help="fault profile to inject"
    )
    parser.add_argument(
        "--timings",
        type=Path,
        default=None,
        help="also write how long the run and its steps took, as JSON, to this file "
        "(never into --out, which stays byte-identical for one seed)",
    )
    parser.set_defaults(func=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    try:
        config = SimulationConfig(args.year, args.seed, args.scale, args.faults)
    except ValueError as exc:
        print(f"sosialpuls simulate: {exc}", file=sys.stderr)
        return 2
    display = Display()
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def progress(line: str) -> None:
        steps[line.split(":")[0]] = round(time.perf_counter() - started, 3)
        display.line(line)

    with display.step(f"simulating {args.year} (seed {args.seed}, scale {args.scale})"):
        summary = simulate(config, args.out, progress=progress)
    if args.timings is not None:
        timings = {
            "seconds": summary.seconds,
            "steps": steps,
            "year": args.year,
            "seed": args.seed,
            "scale": args.scale,
            "faults": args.faults,
        }
        args.timings.write_text(json.dumps(timings, indent=2, sort_keys=True) + "\n")
    display.line(
        f"wrote {args.out}: {summary.persons} persons, {summary.records_11f} 11F and "
        f"{summary.records_11cf} 11CF records, {summary.events} report events "
        f"(+{summary.fault_lines} fault lines), {summary.bytes_written / 1e6:.1f} MB "
        f"in {summary.seconds:.1f} s"
    )
    return 0
