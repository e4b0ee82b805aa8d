"""Determinism, the CLI, the accounts file and the calibration of the synthetic year."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.registry import Registry
from services.cli.main import main
from services.simulator import SimulationConfig, simulate

DETERMINISTIC = (
    "reports.jsonl",
    "faults.jsonl",
    "11F.dat",
    "11CF.dat",
    "form_faults.jsonl",
    "accounts.csv",
    "truth.json",
)


def _run(out: Path, seed: int, faults: str = "standard", scale: str = "0.01") -> None:
    argv = ["simulate", "--year", "2025", "--seed", str(seed), "--out", str(out)]
    assert main([*argv, "--scale", scale, "--faults", faults]) == 0


def test_same_seed_gives_identical_bytes_and_other_seeds_differ(tmp_path: Path) -> None:
    _run(tmp_path / "a", 42)
    _run(tmp_path / "b", 42)
    _run(tmp_path / "c", 43)
    for name in DETERMINISTIC:
        first = (tmp_path / "a" / name).read_bytes()
        assert first, name
        assert first == (tmp_path / "b" / name).read_bytes(), name
    for name in ("reports.jsonl", "11F.dat", "11CF.dat", "truth.json"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()
    run = json.loads((tmp_path / "a" / "run.json").read_text())
    assert run["persons"] > 0 and "seconds" not in run


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))}


def test_two_runs_with_one_seed_give_byte_identical_output_trees(tmp_path: Path) -> None:
    timings = tmp_path / "timings.json"
    _run(tmp_path / "a", 11)
    argv = ["simulate", "--year", "2025", "--seed", "11", "--out", str(tmp_path / "b")]
    assert main([*argv, "--scale", "0.01", "--faults", "standard", "--timings", str(timings)]) == 0
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert set(first) == {*DETERMINISTIC, "run.json"}
    assert first == second
    measured = json.loads(timings.read_text())
    assert measured["seconds"] > 0 and measured["seed"] == 11


def test_cli_rejects_a_year_without_ssb_layouts(tmp_path: Path) -> None:
    assert main(["simulate", "--year", "2019", "--seed", "1", "--out", str(tmp_path)]) == 2


def test_no_fault_profile_writes_empty_fault_files(tmp_path: Path) -> None:
    _run(tmp_path, 7, faults="none")
    assert (tmp_path / "faults.jsonl").read_text() == ""
    assert (tmp_path / "form_faults.jsonl").read_text() == ""
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["summary"]["events"] == len((tmp_path / "reports.jsonl").read_text().splitlines())


@pytest.fixture(scope="module")
def year_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("calibration")
    simulate(SimulationConfig(2025, 3, 0.05, "standard"), out)
    return out


def test_accounts_are_close_to_the_forms_except_the_tagged_outliers(year_out: Path) -> None:
    truth = json.loads((year_out / "truth.json").read_text())
    lines = (year_out / "accounts.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "kommunenummer;aar;funksjon;art;belop"
    rows = [line.split(";") for line in lines[1:]]
    valid = {m.code for m in Registry.load().municipalities("2025-01")}
    assert {r[0] for r in rows} == valid and len(rows) == len(valid)
    kroner = truth["accounts"]["form_kroner"]
    outliers = truth["accounts"]["outliers"]
    assert outliers and len(outliers) < 0.15 * len(rows)
    for code, year, function, _, belop in rows:
        assert (year, function) == ("2025", "281")
        form = kroner[code]
        if form < 200_000:
            continue  # rounding to 1000 kr dominates
        gap = int(belop) * 1000 / form - 1
        assert (abs(gap) > 0.2) == (code in outliers), code


def test_national_figures_are_of_the_right_order(year_out: Path) -> None:
    truth = json.loads((year_out / "truth.json").read_text())
    scale = truth["scale"]
    registry = Registry.load()
    population = sum(
        registry.population("municipality", m.code, 2025) or 0
        for m in registry.municipalities("2025-01")
    )
    persons = truth["summary"]["records_11f"] / scale
    assert 0.019 < persons / population < 0.028
    derived = truth["form_derived"]["municipality"]
    monthly = [
        sum(m[f"2025-{i:02d}"]["recipients"] for m in derived.values()) for i in range(1, 13)
    ]
    assert 0.35 < sum(monthly) / 12 / (persons * scale) < 0.6
    kroner = sum(v["kroner_paid"] for m in derived.values() for v in m.values()) / scale
    assert 5.5e9 < kroner < 8.5e9
    qp = [
        sum(m[f"2025-{i:02d}"]["qp_participants"] for m in derived.values()) for i in range(1, 13)
    ]
    assert all(2000 < q / scale < 9000 for q in qp)
    rates = {
        code: sum(v["recipients"] for v in months.values()) / pop
        for code, months in derived.items()
        if (pop := registry.population("municipality", code, 2025) or 0) > 30_000
    }
    ordered = sorted(rates.values())
    assert ordered[-1] > 1.5 * ordered[0], "rates vary between municipalities"
    assert rates["0301"] > ordered[len(ordered) // 2], "Oslo above the median town"
