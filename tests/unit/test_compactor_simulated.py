"""The simulator's forms against SSB's whole rule set: clean data passes, faults are found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.compactor.adapters.form_files import FormReader
from services.compactor.controls import Finding, Severity
from services.compactor.derive import FormDerivation
from services.simulator import SimulationConfig, simulate


def control(directory: Path, year: int) -> list[Finding]:
    found: list[Finding] = []
    reader = FormReader(year, lambda code: None, found.append)
    derivation = FormDerivation()
    reader.read_recipients([directory / "11F.dat"], derivation)
    reader.read_participants([directory / "11CF.dat"], derivation)
    return found


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_clean_simulated_forms_have_no_error_or_fatal(tmp_path: Path, year: int) -> None:
    simulate(SimulationConfig(year, 3, 0.02, "none"), tmp_path)
    bad = [
        (f.file, f.rule, f.field, f.message)
        for f in control(tmp_path, year)
        if f.severity in (Severity.ERROR, Severity.FATAL)
    ]
    assert bad == []


def test_injected_rule_violations_are_reported(tmp_path: Path) -> None:
    simulate(SimulationConfig(2025, 3, 0.02, "standard"), tmp_path)
    found = {(f.file, f.line, f.rule) for f in control(tmp_path, 2025)}
    faults = [
        json.loads(line) for line in (tmp_path / "form_faults.jsonl").read_text().splitlines()
    ]
    rule_faults = [f for f in faults if f["kind"].startswith("rule_")]
    assert rule_faults
    for fault in rule_faults:
        assert (f"{fault['form']}.dat", fault["line"], fault["kind"][5:]) in found, fault
    for fault in faults:
        if fault["kind"] == "missing_months":
            assert ("11F.dat", fault["line"], "026") in found
        if fault["kind"] == "sum_mismatch":
            assert ("11F.dat", fault["line"], "036") in found
