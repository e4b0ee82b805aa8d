"""Time the annual compactor on a national year at scale 1 and 8; write
bench/results/compactor.json (records/s, seconds, peak RSS of the compaction process).

The year is simulated once at scale 1.0; the scale-8 forms are eight copies of it with
person and journal numbers made distinct per copy. The stream the forms are reconciled
against equals the forms (truth ``form_derived`` × copies), so every row is compared and
the reports are full size. PostgreSQL is not involved: reading ~5,000 facts is negligible
next to the forms; the measured part is reading, controls, derivation, reconciliation and
writing all five reports, each scale in its own process so peak RSS is its own.
Goal (issue 6): a national year in under 30 s with peak memory under 1 GB.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULT = Path(__file__).resolve().parent / "results" / "compactor.json"
YEAR = 2025
SCALES = (1, 8)
GOAL_SECONDS = 30.0
GOAL_RSS_MIB = 1024


def scaled_copy(source: Path, target: Path, form: str, copies: int) -> int:
    """Write ``copies`` copies of a form file with distinct journal and person numbers."""
    from contracts.kostra import ENCODING, load_layout

    layout = load_layout(form, YEAR)
    journal = layout.field("PERSON_JOURNALNR").slice
    fnr = layout.field("PERSON_FODSELSNR").slice
    lines = source.read_text(encoding=ENCODING).splitlines()
    written = 0
    with target.open("w", encoding=ENCODING, newline="\n") as out:
        for copy in range(copies):
            mark = chr(ord("A") + copy)
            for line in lines:
                if copy:
                    chars = list(line)
                    chars[journal.start] = mark
                    if line[fnr].strip():
                        chars[fnr.start] = mark
                    line = "".join(chars)
                out.write(line + "\n")
                written += 1
    return written


def facts_from_truth(truth: dict[str, object], copies: int) -> dict[str, object]:
    """The stream as JSON: ``type:code`` → month → indicators, the form figures × copies."""
    derived = truth["form_derived"]
    assert isinstance(derived, dict)
    facts: dict[str, object] = {}
    for unit_type, units in derived.items():
        for code, months in units.items():
            facts[f"{unit_type}:{code}"] = {
                period[5:]: {name: value * copies for name, value in values.items()}
                for period, values in months.items()
            }
    return facts


def peak_rss_mib() -> int:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss, not inherited on exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def child(directory: Path) -> int:
    """Run one compaction of the files in ``directory``; print the measurement as JSON."""
    from services.compactor.config import CompactorSettings
    from services.compactor.pipeline import CompactionInputs, run_compaction

    raw = json.loads((directory / "facts.json").read_text())
    facts = {
        tuple(key.split(":")): {int(m): v for m, v in months.items()} for key, months in raw.items()
    }
    started = time.perf_counter()
    result = run_compaction(
        CompactionInputs(YEAR, directory / "11F.dat", directory / "11CF.dat"),
        directory / "out",
        facts,
        settings=CompactorSettings(),
        municipality_problem=lambda code: None,
        progress=lambda message: print(message, file=sys.stderr),
    )
    seconds = time.perf_counter() - started
    read = result.reading["11F"]["records_read"] + result.reading["11CF"]["records_read"]
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "records": read,
                "records_per_second": round(read / seconds),
                "rows": len(result.rows),
                "statuses": dict(result.summary.status_totals()),
                "peak_rss_mib": peak_rss_mib(),
            }
        )
    )
    return 0


def main(seed: int = 1) -> int:
    from services.simulator import SimulationConfig, simulate

    runs: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-compact-") as tmp:
        base = Path(tmp) / "sim"
        simulate(SimulationConfig(YEAR, seed, 1.0, "none"), base)
        truth = json.loads((base / "truth.json").read_text(encoding="utf-8"))
        for scale in SCALES:
            directory = Path(tmp) / f"scale{scale}"
            directory.mkdir()
            for form in ("11F", "11CF"):
                scaled_copy(base / f"{form}.dat", directory / f"{form}.dat", form, scale)
            (directory / "facts.json").write_text(json.dumps(facts_from_truth(truth, scale)))
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(directory)],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[f"scale_{scale}"] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"scale {scale}: {runs[f'scale_{scale}']}", flush=True)
    one = runs["scale_1"]
    result = {
        "year": YEAR,
        "seed": seed,
        "runs": runs,
        "goal": {"seconds": GOAL_SECONDS, "peak_rss_mib": GOAL_RSS_MIB},
        "headline": {
            f"scale {scale}: {metric}": runs[f"scale_{scale}"][metric]
            for scale in SCALES
            for metric in ("seconds", "records_per_second", "peak_rss_mib")
        },
    }
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    ok = float(str(one["seconds"])) < GOAL_SECONDS and int(str(one["peak_rss_mib"])) < GOAL_RSS_MIB
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.exit(child(Path(sys.argv[2])))
    sys.exit(main())
