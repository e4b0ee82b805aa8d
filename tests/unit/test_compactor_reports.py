"""A whole compaction into a folder, without a database: the five reports and their shape."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from contracts.kostra import load_layout, write_records
from services.compactor.config import INDICATORS, CompactorSettings
from services.compactor.pipeline import CompactionInputs, run_compaction

YEAR = 2025
FNRS = ("01019012345", "02029012345", "03039012345")


def person(number: int, municipality: str, bydel: str = "") -> dict[str, str | int | date | None]:
    return {
        "KOMMUNE_NR": municipality,
        "VERSION": "25",
        "BYDELSNR": bydel,
        "FODSELSDATO": date(2000, 1, 1),
        "PERSON_JOURNALNR": f"J{number:07d}",
        "PERSON_FODSELSNR": FNRS[number % len(FNRS)],
        "BU18": "2",
        "VKLO": "5",
        "STMND_1": "01",
        "BIDRAG": 6000,
        "LAAN": 0,
        "BIDRAG_JAN": 6000,
    }


def test_reports_are_written_and_hold_no_person_numbers(tmp_path: Path) -> None:
    records = [person(0, "4601"), person(1, "4601"), person(1, "4601"), person(2, "0301", "02")]
    write_records(tmp_path / "11F.dat", load_layout("11F", YEAR), records)
    participant = {"KOMMUNE_NR": "4601", "VERSION": "25", "PERSON_JOURNALNR": "Q1",
                   "PERSON_FODSELSNR": FNRS[0], "STMND_1": "01"}  # fmt: skip
    write_records(tmp_path / "11CF.dat", load_layout("11CF", YEAR), [participant])
    (tmp_path / "accounts.csv").write_text(
        "kommunenummer;aar;funksjon;art;belop\n4601;2025;281;470;12\n0301;2025;281;470;20\n"
        "4601;2024;281;470;999\n4601;2025;276;470;999\n"
    )
    facts = {
        ("municipality", "4601"): {1: {**dict.fromkeys(INDICATORS, 0), "recipients": 2,
            "recipients_main_livelihood": 2, "recipients_under_30": 2, "kroner_paid": 12000,
            "qp_participants": 1}},
        ("district", "030102"): {1: {**dict.fromkeys(INDICATORS, 0), "recipients": 1,
            "recipients_main_livelihood": 1, "recipients_under_30": 1, "kroner_paid": 6000}},
    }  # fmt: skip
    messages: list[str] = []
    out = tmp_path / "out"
    result = run_compaction(
        CompactionInputs(
            YEAR, tmp_path / "11F.dat", tmp_path / "11CF.dat", tmp_path / "accounts.csv"
        ),
        out,
        facts,
        settings=CompactorSettings(),
        municipality_problem=lambda code: None,
        progress=messages.append,
    )
    assert any("records read" in m for m in messages)
    assert sorted(p.name for p in out.iterdir()) == [
        "accounts_check.csv", "controls.csv", "reconciliation.csv", "reconciliation.json",
        "report.html",
    ]  # fmt: skip
    assert {row.status.value for row in result.rows} == {"match"}
    with (out / "reconciliation.csv").open() as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert {(r["unit_type"], r["unit_code"]) for r in rows} == {
        ("municipality", "4601"),
        ("municipality", "0301"),
        ("district", "030102"),
    }
    assert rows[0]["period"] == "2025-01"
    document = json.loads((out / "reconciliation.json").read_text())
    assert document["summary"]["status_totals"] == {"match": len(rows)}
    with (out / "accounts_check.csv").open() as f:
        accounts = {r["kommunenummer"]: r for r in csv.DictReader(f, delimiter=";")}
    assert accounts["4601"]["accounts_kroner"] == "12000" and accounts["4601"]["status"] == "ok"
    with (out / "controls.csv").open() as f:
        controls = list(csv.DictReader(f, delimiter=";"))
    assert {(c["linje"], c["kontroll"], c["felt"], c["alvorlighet"]) for c in controls} >= {
        ("2", "005B", "PERSON_JOURNALNR", "ERROR"),
        ("3", "005B", "PERSON_JOURNALNR", "ERROR"),
    }
    html = (out / "report.html").read_text()
    assert "<svg" in html and "030102" in html
    assert "Kontrollfunn" in html and "0301 bydel 02" in html and "005B" in html
    assert "<script" not in html and "https://" not in html
    texts = [p.read_text() for p in out.iterdir()] + messages
    assert not any(number in text for text in texts for number in FNRS)
