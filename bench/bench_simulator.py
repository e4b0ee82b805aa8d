"""Time `sosialpuls simulate` for a national year at scale 1.0; write bench/results/simulator.json.

Also records the size of the output and the national figures of the synthetic year, so the
calibration can be checked against SSB's published numbers (docs/simulation.md).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from services.simulator import SimulationConfig, simulate

RESULT = Path(__file__).resolve().parent / "results" / "simulator.json"


def national_figures(truth: dict[str, object]) -> dict[str, float]:
    """Average monthly recipients and QP participants, kroner per year, from the forms."""
    derived = truth["form_derived"]
    assert isinstance(derived, dict)
    months = [v for m in derived["municipality"].values() for v in m.values()]
    return {
        "avg_monthly_recipients": round(sum(v["recipients"] for v in months) / 12),
        "avg_monthly_qp_participants": round(sum(v["qp_participants"] for v in months) / 12),
        "kroner_paid_bn": round(sum(v["kroner_paid"] for v in months) / 1e9, 2),
    }


def main(year: int = 2025, seed: int = 1, scale: float = 1.0) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp:
        out = Path(tmp)
        started = time.perf_counter()
        summary = simulate(SimulationConfig(year, seed, scale, "standard"), out, print)
        seconds = time.perf_counter() - started
        truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "year": year,
        "seed": seed,
        "scale": scale,
        "faults": "standard",
        "seconds": round(seconds, 2),
        "persons": summary.persons,
        "records_11f": summary.records_11f,
        "records_11cf": summary.records_11cf,
        "events": summary.events,
        "fault_lines": summary.fault_lines,
        "bytes_written": summary.bytes_written,
        "peak_rss_mib": round(peak_mib),
        "national": national_figures(truth),
        "headline": {
            "national year at scale 1.0 (s)": round(seconds, 1),
            "persons": summary.persons,
            "11F records": summary.records_11f,
            "report events": summary.events,
        },
    }
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0 if seconds < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
