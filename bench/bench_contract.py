"""Contract validation benchmark: how fast ``parse_report`` decides on one report.

Every report the aggregator and the gateway take passes through ``parse_report``, so its
rate bounds a worker. Measured side by side in one process on a simulated year's reports
(with the standard faults, so rejects are in the mix):

- ``parse_report``: the model reads the raw text once, and the walk for identity numbers
  runs only when the text could hold one (``contracts.personal_data.may_hold_identity``);
- the full path it replaced: decode, walk every value, encode again, validate.

Writes bench/results/contract.json. Run: ``.venv/bin/python bench/bench_contract.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contracts.reports import ReportRejected, _check, _loads, parse_report  # noqa: E402
from services.simulator.run import SimulationConfig, simulate  # noqa: E402

RESULT = ROOT / "bench" / "results" / "contract.json"
TODAY = date(2026, 1, 15)
ROUNDS = 3


def simulated_reports() -> list[bytes]:
    with tempfile.TemporaryDirectory() as work:
        simulate(SimulationConfig(year=2025, seed=5, scale=1.0, faults="standard"), Path(work))
        return (Path(work) / "reports.jsonl").read_bytes().splitlines()


def fast(raw: bytes) -> bool:
    try:
        parse_report(raw, today=TODAY)
    except ReportRejected:
        return False
    return True


def full_walk(raw: bytes) -> bool:
    try:
        obj = _loads(raw)
    except ValueError:
        return False
    report, errors = _check(obj, TODAY)
    return report is not None and not errors


def rate(check: Callable[[bytes], bool], lines: list[bytes]) -> tuple[float, int]:
    """Best of ``ROUNDS`` passes: reports per second, and how many were valid."""
    best, valid = 0.0, 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        valid = sum(check(line) for line in lines)
        best = max(best, len(lines) / (time.perf_counter() - started))
    return best, valid


def main() -> None:
    lines = simulated_reports()
    fast_rate, fast_valid = rate(fast, lines)
    walk_rate, walk_valid = rate(full_walk, lines)
    assert fast_valid == walk_valid, (fast_valid, walk_valid)  # same verdicts, faster
    result = {
        "headline": {
            "parse_report reports/s": round(fast_rate),
            "full walk (before) reports/s": round(walk_rate),
            "speed-up": round(fast_rate / walk_rate, 2),
        },
        "reports": len(lines),
        "valid": fast_valid,
        "rounds": ROUNDS,
    }
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["headline"], indent=2))


if __name__ == "__main__":
    main()
