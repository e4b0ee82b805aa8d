"""Controls of 11F/11CF records built field by field with SSB's layouts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.kostra import decode_record, encode_record, load_layout
from services.compactor.controls import (
    MONTH_SUFFIXES,
    DuplicateGuard,
    Finding,
    QpRecord,
    RecipientRecord,
    Severity,
    birth_year_from_fodselsnummer,
    check_length,
    check_participant,
    check_recipient,
)
from services.compactor.forms import FIELDS_11CF, FIELDS_11F, field_cutter

YEAR = 2025
FNR = "01019012345"  # shape only; controls never check the control digits
VALID = {"0301", "4601", "1103"}


def problem(code: str) -> str | None:
    return None if code in VALID else f"municipality {code} is not valid in {YEAR}"


def recipient_values(**overrides: str | int | date | None) -> dict[str, str | int | date | None]:
    values: dict[str, str | int | date | None] = {
        "KOMMUNE_NR": "4601",
        "VERSION": "25",
        "BYDELSNR": "",
        "FODSELSDATO": date(1990, 1, 1),
        "PERSON_JOURNALNR": "J0000001",
        "PERSON_FODSELSNR": FNR,
        "KJONN": "1",
        "BU18": "1",
        "VKLO": "5",
        "STMND_1": "01",
        "STMND_2": "02",
        "BIDRAG": 9000,
        "LAAN": 1000,
        "BIDRAG_JAN": 5000,
        "BIDRAG_FEB": 4000,
        "LAAN_FEB": 1000,
    }
    values.update(overrides)
    return values


def control(
    values: Mapping[str, str | int | date | None],
    guard: DuplicateGuard | None = None,
    year: int = YEAR,
) -> tuple[RecipientRecord | None, list[Finding]]:
    layout = load_layout("11F", year)
    line = encode_record(layout, values)
    fields = decode_record(layout, line)
    return check_recipient(
        fields,
        year=year,
        municipality_problem=problem,
        guard=guard or DuplicateGuard(),
        file="11F.dat",
        line=7,
    )


def by_field(findings: list[Finding]) -> dict[str, Severity]:
    return {f.field: f.severity for f in findings}


def test_a_clean_record_has_no_findings_and_is_derived() -> None:
    record, findings = control(recipient_values())
    assert findings == []
    assert record is not None
    assert record.municipality == "4601" and record.district is None
    assert record.months[:3] == (True, True, False)
    assert record.monthly_kroner[:3] == (5000, 5000, 0)
    assert record.yearly_kroner == 10000
    assert record.with_children and record.main_livelihood
    assert record.under_30 is False  # born 1990, 35 in 2025


def test_record_length_is_fatal() -> None:
    layout = load_layout("11F", YEAR)
    line = encode_record(layout, recipient_values())
    assert check_length(line, layout.record_length, form="11F", file="f", line_no=1) is None
    finding = check_length(line[:-3], layout.record_length, form="11F", file="f", line_no=1)
    assert finding is not None and finding.severity is Severity.FATAL
    assert finding.municipality == "4601"


def test_municipality_not_valid_for_the_year_is_fatal_and_skipped() -> None:
    record, findings = control(recipient_values(KOMMUNE_NR="3001"))
    assert record is None
    assert by_field(findings)["KOMMUNE_NR"] is Severity.FATAL


def test_oslo_needs_a_district_and_counts_it() -> None:
    record, findings = control(recipient_values(KOMMUNE_NR="0301", BYDELSNR="05"))
    assert findings == [] and record is not None and record.district == "030105"
    record, findings = control(recipient_values(KOMMUNE_NR="0301", BYDELSNR="16"))
    assert record is not None and record.district is None
    assert by_field(findings)["BYDELSNR"] is Severity.ERROR
    record, findings = control(recipient_values(KOMMUNE_NR="0301", BYDELSNR=""))
    assert by_field(findings)["BYDELSNR"] is Severity.ERROR


def test_district_outside_oslo_is_flagged_and_ignored() -> None:
    record, findings = control(recipient_values(BYDELSNR="03"))
    assert record is not None and record.district is None
    assert by_field(findings)["BYDELSNR"] is Severity.WARNING


def test_duplicate_person_is_an_error_and_counted_once() -> None:
    guard = DuplicateGuard()
    first, _ = control(recipient_values(), guard)
    second, findings = control(recipient_values(PERSON_JOURNALNR="J0000002"), guard)
    assert first is not None and second is None
    assert by_field(findings)["PERSON_FODSELSNR"] is Severity.ERROR
    other_municipality, findings = control(
        recipient_values(KOMMUNE_NR="1103", PERSON_JOURNALNR="J0000002"), guard
    )
    assert other_municipality is not None and findings == []


def test_duplicate_duf_number_is_an_error() -> None:
    guard = DuplicateGuard()
    control(recipient_values(PERSON_FODSELSNR="", PERSON_DUF="201512345678"), guard)
    record, findings = control(
        recipient_values(
            PERSON_FODSELSNR="", PERSON_DUF="201512345678", PERSON_JOURNALNR="J0000009"
        ),
        guard,
    )
    assert record is None and by_field(findings)["PERSON_DUF"] is Severity.ERROR


def test_duplicate_journal_number_is_an_error() -> None:
    guard = DuplicateGuard()
    control(recipient_values(), guard)
    record, findings = control(recipient_values(PERSON_FODSELSNR="02029012345"), guard)
    assert record is None and by_field(findings)["PERSON_JOURNALNR"] is Severity.ERROR


def test_no_month_marked_is_an_error() -> None:
    record, findings = control(recipient_values(STMND_1="", STMND_2=""))
    assert record is not None and not any(record.months)
    assert by_field(findings)["STMND_1"] is Severity.ERROR


def test_nothing_paid_is_an_error() -> None:
    _, findings = control(
        recipient_values(BIDRAG=0, LAAN=0, BIDRAG_JAN=0, BIDRAG_FEB=0, LAAN_FEB=0)
    )
    assert by_field(findings)["BIDRAG"] is Severity.ERROR


def test_monthly_amounts_must_sum_to_the_yearly_ones() -> None:
    _, findings = control(recipient_values(LAAN=2000))
    assert by_field(findings) == {"LAAN": Severity.ERROR}
    assert "sum to 1000" in findings[0].message


@pytest.mark.parametrize(("total", "flagged"), [(150, True), (201, False), (1_000_001, True)])
def test_implausible_totals_are_warnings(total: int, flagged: bool) -> None:
    _, findings = control(
        recipient_values(BIDRAG=total, LAAN=0, BIDRAG_JAN=total, BIDRAG_FEB=0, LAAN_FEB=0)
    )
    assert (by_field(findings).get("BIDRAG") is Severity.WARNING) is flagged


def test_negative_amounts_are_set_to_zero_and_counted() -> None:
    record, findings = control(
        recipient_values(BIDRAG=4000, BIDRAG_JAN=5000, BIDRAG_FEB=-1000, LAAN=-500, LAAN_FEB=-500)
    )
    assert record is not None
    assert record.negative_amounts == 3
    assert record.monthly_kroner[:2] == (5000, 0)
    assert record.yearly_kroner == 4000
    assert any(f.severity is Severity.INFO for f in findings)


def test_age_under_30_from_birth_date() -> None:
    record, _ = control(recipient_values(FODSELSDATO=date(1996, 12, 31)))
    assert record is not None and record.under_30 is True
    record, _ = control(recipient_values(FODSELSDATO=date(1995, 1, 1)))
    assert record is not None and record.under_30 is False


def test_2024_age_comes_from_the_fodselsnummer() -> None:
    values = recipient_values(VERSION="24", PERSON_FODSELSNR="15089901234")
    del values["FODSELSDATO"]
    record, findings = control(values, year=2024)
    assert record is not None and record.under_30 is True and findings == []


def test_birth_year_of_fodselsnummer_variants() -> None:
    assert birth_year_from_fodselsnummer("15089912345") == 1999
    assert birth_year_from_fodselsnummer("55089912345") == 1999  # D-number
    assert birth_year_from_fodselsnummer("15880555012") == 2005  # synthetic, month + 80
    assert birth_year_from_fodselsnummer("1508991234") is None


def test_findings_never_hold_the_person_number() -> None:
    guard = DuplicateGuard()
    findings: list[Finding] = []
    for journal in ("J1", "J2"):
        _, found = control(recipient_values(PERSON_JOURNALNR=journal, LAAN=7), guard)
        findings += found
    assert findings and not any(FNR in str(f) for f in findings)


def test_qualification_programme_record() -> None:
    layout = load_layout("11CF", YEAR)
    values = {
        "KOMMUNE_NR": "0301",
        "VERSION": "25",
        "BYDELSNR": "03",
        "PERSON_JOURNALNR": "Q1",
        "PERSON_FODSELSNR": FNR,
        "STMND_3": "03",
        "KVP_STONAD": -10,
    }
    guard = DuplicateGuard()
    fields = decode_record(layout, encode_record(layout, values))
    record, findings = check_participant(
        fields, year=YEAR, municipality_problem=problem, guard=guard, file="f", line=1
    )
    assert isinstance(record, QpRecord) and record.district == "030103"
    assert record.months[2] and sum(record.months) == 1 and record.negative_amounts == 1
    again, findings = check_participant(
        fields, year=YEAR, municipality_problem=problem, guard=guard, file="f", line=2
    )
    assert again is None and by_field(findings)["PERSON_FODSELSNR"] is Severity.ERROR


@pytest.mark.parametrize(("form", "names"), [("11F", FIELDS_11F), ("11CF", FIELDS_11CF)])
@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_field_cutter_agrees_with_decode_record(
    form: str, names: tuple[str, ...], year: int
) -> None:
    layout = load_layout(form, year)
    values = {name: str(i % 10) for i, name in enumerate(layout.names)}
    line = encode_record(layout, values)
    decoded = decode_record(layout, line)
    cut = field_cutter(layout, names)(line)
    assert cut == {name: decoded[name] for name in names if name in decoded}
    assert set(names) - set(cut) <= {"FODSELSDATO", "PERSON_DUF"}


amounts = st.lists(st.integers(-20_000, 60_000), min_size=12, max_size=12)


@given(bidrag=amounts, laan=amounts, bidrag_off=st.sampled_from([0, 0, 1, -7]))
@settings(max_examples=60, deadline=None)
def test_amounts_are_gross_and_sums_are_checked(
    bidrag: list[int], laan: list[int], bidrag_off: int
) -> None:
    values = recipient_values(BIDRAG=sum(bidrag) + bidrag_off, LAAN=sum(laan))
    for suffix, b, lo in zip(MONTH_SUFFIXES, bidrag, laan, strict=True):
        values[f"BIDRAG_{suffix}"] = b
        values[f"LAAN_{suffix}"] = lo
    record, findings = control(values)
    assert record is not None
    assert record.monthly_kroner == tuple(
        max(b, 0) + max(lo, 0) for b, lo in zip(bidrag, laan, strict=True)
    )
    negatives = sum(v < 0 for v in [*bidrag, *laan, sum(bidrag) + bidrag_off, sum(laan)])
    assert record.negative_amounts == negatives
    assert record.yearly_kroner == max(sum(bidrag) + bidrag_off, 0) + max(sum(laan), 0)
    sum_errors = {
        f.field for f in findings if f.severity is Severity.ERROR and "sum to" in f.message
    }
    assert sum_errors == ({"BIDRAG"} if bidrag_off else set())
