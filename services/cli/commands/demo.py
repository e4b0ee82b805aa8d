"""`sosialpuls demo`: up, a simulated year for all of Norway, the compactor, the URLs."""

from __future__ import annotations

import argparse
from typing import Any

from services.demo.run import DemoOptions, run_demo


def run(args: argparse.Namespace) -> int:
    return run_demo(
        DemoOptions(
            year=args.year,
            seed=args.seed,
            scale=args.scale,
            faults=args.faults,
            pause=args.pause,
            home=args.home,
        )
    )


def register(subparsers: Any) -> None:
    """Add `demo` to the CLI."""
    parser = subparsers.add_parser(
        "demo", help="run the main job end to end on the local stack and print what happened"
    )
    parser.add_argument("--year", type=int, default=2025, help="the year to simulate")
    parser.add_argument("--seed", type=int, default=2025, help="simulation seed")
    parser.add_argument("--scale", type=float, default=1.0, help="population scale")
    parser.add_argument(
        "--faults", choices=("none", "standard"), default="standard", help="fault profile"
    )
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds between months of the replay"
    )
    parser.add_argument("--home", default=None, help="state directory (default: $SOSIALPULS_HOME)")
    parser.set_defaults(func=run)
