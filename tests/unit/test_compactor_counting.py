"""Cross-record rules (000, 001, 005A, 005B) and persons counted as SSB counts them.

Each of the four bugs of issue 12 has a regression test here that failed before the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

from compactor_records import (
    FNR_1990,
    YEAR,
    control_all,
    fnr,
    line_of,
    participant,
    problem,
    recipient,
)

from contracts.kostra import load_layout
from services.compactor.adapters.form_files import FormReader
from services.compactor.controls import QpRecord, RecipientRecord, Severity
from services.compactor.derive import FormDerivation
from services.compactor.rules import rules_for

FNR_X, FNR_Y = fnr("020285"), fnr("030386")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "compactor.md"


def derive(form: str, records: list[RecipientRecord | QpRecord | None]) -> FormDerivation:
    derivation = FormDerivation()
    for record in records:
        if isinstance(record, RecipientRecord):
            derivation.add_recipient(record)
        elif isinstance(record, QpRecord):
            derivation.add_participant(record)
    return derivation


def months(*numbers: int) -> dict[str, str | None]:
    return {f"STMND_{m}": (f"{m:02d}" if m in numbers else None) for m in range(1, 13)}


def test_bug1_a_journal_duplicate_does_not_drop_another_person() -> None:
    """11F (X, J1), (Y, J1), (Y, J2): persons X and Y both receive in January."""
    records = [
        recipient(PERSON_FODSELSNR=FNR_X, PERSON_JOURNALNR="J1"),
        recipient(PERSON_FODSELSNR=FNR_Y, PERSON_JOURNALNR="J1"),
        recipient(PERSON_FODSELSNR=FNR_Y, PERSON_JOURNALNR="J2"),
    ]
    kept, found = control_all("11F", records)
    assert all(record is not None for record in kept)
    figures = derive("11F", kept).figures()[("municipality", "4601")]
    assert figures.value("recipients", 1) == 2
    assert {(f.rule, f.line) for f in found} == {
        ("005B", 1), ("005B", 2), ("005A", 2), ("005A", 3),
    }  # fmt: skip
    assert all(f.severity is Severity.ERROR for f in found)


def test_bug2_one_participant_two_spells_with_different_status() -> None:
    """11CF: January–March (status 4) and October–December (status 1) count both spells."""
    records = [
        participant(PERSON_JOURNALNR="Q1", STATUS="4", **months(1, 2, 3)),
        participant(PERSON_JOURNALNR="Q2", STATUS="1", **months(10, 11, 12)),
    ]
    kept, found = control_all("11CF", records)
    assert not {"005A", "005B"} & {f.rule for f in found}  # SSB: fnr together with STATUS
    figures = derive("11CF", kept).figures()[("municipality", "4601")]
    assert [figures.value("qp_participants", m) for m in range(1, 13)] == [
        1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1,
    ]  # fmt: skip


def test_11cf_same_person_same_status_is_a_duplicate_but_counted_once() -> None:
    records = [participant(PERSON_JOURNALNR="Q1"), participant(PERSON_JOURNALNR="Q2")]
    kept, found = control_all("11CF", records)
    assert [f.rule for f in found if f.rule == "005A"] == ["005A", "005A"]
    assert derive("11CF", kept).figures()[("municipality", "4601")].value("qp_participants", 1) == 1


def test_11cf_oslo_is_exempt_from_duplicate_rules() -> None:
    oslo = {"KOMMUNE_NR": "0301", "BYDELSNR": "01"}
    records = [participant(**oslo), participant(**oslo)]
    kept, found = control_all("11CF", records)
    assert not {"005A", "005B"} & {f.rule for f in found}
    assert all(record is not None for record in kept)


def test_11cf_status_2_without_months_is_counted() -> None:
    kept, found = control_all("11CF", [participant(STATUS="2", **months())])
    assert kept[0] is not None
    assert not [f for f in found if f.severity is Severity.FATAL]


def test_11f_duplicates_are_per_unit() -> None:
    records = [recipient(), recipient(KOMMUNE_NR="1103")]
    _, found = control_all("11F", records)
    assert not {"005A", "005B"} & {f.rule for f in found}


def test_an_identical_record_twice_pays_once_and_counts_once() -> None:
    kept, found = control_all("11F", [recipient(), recipient()])
    assert {f.rule for f in found} == {"005A", "005B"}
    figures = derive("11F", kept).figures()[("municipality", "4601")]
    assert figures.value("recipients", 1) == 1
    assert figures.kroner_total == 10000


def test_oslo_person_in_two_districts_counts_once_for_oslo() -> None:
    records = [
        recipient(KOMMUNE_NR="0301", BYDELSNR="01", PERSON_JOURNALNR="A"),
        recipient(KOMMUNE_NR="0301", BYDELSNR="02", PERSON_JOURNALNR="B"),
    ]
    kept, _ = control_all("11F", records)
    figures = derive("11F", kept).figures()
    assert figures[("municipality", "0301")].value("recipients", 1) == 1
    assert figures[("district", "030101")].value("recipients", 1) == 1
    assert figures[("district", "030102")].value("recipients", 1) == 1


def test_invalid_municipality_is_ssbs_error_and_not_counted() -> None:
    kept, found = control_all("11F", [recipient(KOMMUNE_NR="9999")])
    assert kept == [None]
    assert [(f.rule, f.severity, f.counted) for f in found if f.rule == "003K"] == [
        ("003K", Severity.ERROR, False)
    ]


def read(tmp_path: Path, form: str, text: str) -> tuple[list[str], dict[str, int]]:
    path = tmp_path / f"{form}.dat"
    path.write_bytes(text.encode("iso-8859-1"))
    found: list[str] = []
    reader = FormReader(YEAR, problem, lambda f: found.append(f"{f.rule}:{f.severity.value}"))
    derivation = FormDerivation()
    read_form = reader.read_recipients if form == "11F" else reader.read_participants
    stats = read_form([path], derivation)
    return found, {"accepted": stats.records_accepted, "skipped": stats.records_skipped}


def test_bug4_a_tab_inside_a_record_is_fatal(tmp_path: Path) -> None:
    line = line_of("11F", recipient())
    at = load_layout("11F", YEAR).field("SAKSBEHANDLER").start - 1
    tabbed = line[:at] + "\t" + line[at + 1 :]
    assert len(tabbed) == len(line)
    found, counts = read(tmp_path, "11F", tabbed + "\n")
    assert found == ["001:FATAL"]
    assert counts == {"accepted": 0, "skipped": 1}


def test_record_of_wrong_length_is_fatal_and_not_counted(tmp_path: Path) -> None:
    found, counts = read(tmp_path, "11F", line_of("11F", recipient()) + "X\n")
    assert found == ["001:FATAL"]
    assert counts["skipped"] == 1


def test_000_a_file_of_one_space_is_accepted(tmp_path: Path) -> None:
    for form in ("11F", "11CF"):
        for text in (" ", " \n", " \r\n"):
            assert read(tmp_path, form, text) == ([], {"accepted": 0, "skipped": 0})


def test_findings_never_hold_a_person_number() -> None:
    numbers = (FNR_1990, FNR_X, FNR_Y)
    _, found = control_all("11F", [recipient(PERSON_FODSELSNR=n, KJONN="9") for n in numbers])
    assert found
    for finding in found:
        assert not any(n in str(finding) for n in numbers)


def test_rule_ids_equal_the_list_in_the_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    f_part, _, cf_part = text.partition("## Skjema 11CF")
    listed = re.compile(r"^\| (0\d\d[A-Z]?) \|", re.MULTILINE)
    assert set(listed.findall(f_part)) == set(rules_for("11F").ids)
    assert set(listed.findall(cf_part)) == set(rules_for("11CF").ids)
