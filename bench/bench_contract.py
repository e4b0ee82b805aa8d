"""Contract validation benchmark: how fast ``parse_report`` decides on one report.

Every report the aggregator and the gateway take passes through ``parse_report``, so its
rate bounds a worker. Measured side by side in one process on a simulated year's reports
(with the standard faults, so rejects are in the mix):

- ``parse_report``: the model reads the raw text once, and the walk for identity numbers
  runs only when the text could hold one (``contracts.personal_data.may_hold_identity``);
- ``parse_report`` as it was before (kept here as the reference): a regex pre-check, then
  ``IndicatorReportV1.model_validate_json``, whose ``mode="before"`` guard makes
  pydantic-core build the whole JSON value as Python objects before validating it;
- the full path it replaced earlier: decode, walk every value, encode again, validate;
- ``content_digest`` on the valid reports, and the generic canonical dump it replaced
  (``model_dump`` + ``json.dumps(sort_keys=True)``), which must give the same digests.

Writes bench/results/contract.json. Run: ``.venv/bin/python bench/bench_contract.py``.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from contracts.reports import (  # noqa: E402
    _PERSONAL_DATA_CHECKED,
    IndicatorReportV1,
    ReportRejected,
    _check,
    _loads,
    parse_report,
)
from services.simulator.run import SimulationConfig, simulate  # noqa: E402

RESULT = ROOT / "bench" / "results" / "contract.json"
TODAY = date(2026, 1, 15)
ROUNDS = 5

from support.digests import reference_digest  # noqa: E402


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


_OLD_DIGIT_RUN = re.compile(rb"[0-9]{6}[ .\-]?[0-9]{4}")


def before(raw: bytes) -> bool:
    """``parse_report`` before: its regex pre-check, then the model with its before guard."""
    if b"\\u" not in raw and _OLD_DIGIT_RUN.search(raw) is None:
        context = {"today": TODAY, _PERSONAL_DATA_CHECKED: True}
        try:
            IndicatorReportV1.model_validate_json(raw, context=context)
            return True
        except ValueError:
            pass
    return full_walk(raw)


def digest_rate(
    digest: Callable[[IndicatorReportV1], str], reports: list[IndicatorReportV1]
) -> float:
    started = time.perf_counter()
    for report in reports:
        digest(report)
    return len(reports) / (time.perf_counter() - started)


def full_walk(raw: bytes) -> bool:
    try:
        obj = _loads(raw)
    except ValueError:
        return False
    report, errors = _check(obj, TODAY)
    return report is not None and not errors


def rate(check: Callable[[bytes], bool], lines: list[bytes], rounds: int) -> tuple[float, int]:
    """Best of ``rounds`` passes: reports per second, and how many were valid."""
    best, valid = 0.0, 0
    for _ in range(rounds):
        started = time.perf_counter()
        valid = sum(check(line) for line in lines)
        best = max(best, len(lines) / (time.perf_counter() - started))
    return best, valid


def main() -> None:
    lines = simulated_reports()
    checks = {"fast": fast, "before": before, "walk": full_walk}
    best = dict.fromkeys(checks, 0.0)
    valid = dict.fromkeys(checks, 0)
    for _ in range(ROUNDS):  # old and new take turns, so both see the same machine load
        for name, check in checks.items():
            one, valid[name] = rate(check, lines, 1)
            best[name] = max(best[name], one)
    fast_rate, before_rate, walk_rate = best["fast"], best["before"], best["walk"]
    fast_valid, before_valid, walk_valid = valid["fast"], valid["before"], valid["walk"]
    assert fast_valid == before_valid == walk_valid, (fast_valid, before_valid, walk_valid)
    reports = [parse_report(line, today=TODAY) for line in lines if fast(line)]
    assert all(r.content_digest() == reference_digest(r) for r in reports)  # same digests
    digest_new = digest_old = 0.0
    for _ in range(ROUNDS):
        digest_new = max(digest_new, digest_rate(IndicatorReportV1.content_digest, reports))
        digest_old = max(digest_old, digest_rate(reference_digest, reports))
    result = {
        "headline": {
            "parse_report reports/s": round(fast_rate),
            "parse_report before reports/s": round(before_rate),
            "full walk (earlier) reports/s": round(walk_rate),
            "parse_report speed-up": round(fast_rate / before_rate, 2),
            "content_digest digests/s": round(digest_new),
            "content_digest before (canonical dump) digests/s": round(digest_old),
            "content_digest speed-up": round(digest_new / digest_old, 2),
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
